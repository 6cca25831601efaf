package dev.glimpse.datasets;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The files of an image-folder dataset, not decoded: {@code DIR/<class>/*.png|jpg|jpeg}, classes = the sub-folder
 * names in sorted order, files sorted by name within a class. Consumers decode and preprocess each file the way
 * their model says (see {@code runtime}'s Preprocessor).
 *
 * @param files every image, class by class
 */
public record ImageFolder(Path root, List<String> classNames, List<ImageFile> files) {

    /** One image file, its class index and its id (the path relative to the root, '/'-separated). */
    public record ImageFile(Path path, String id, int label) {
    }

    public ImageFolder {
        classNames = List.copyOf(classNames);
        files = List.copyOf(files);
    }

    /**
     * Lists {@code dir}.
     *
     * @param expectedClasses class names the folder must have (e.g. a test folder next to a train folder), or null
     * @throws FileNotFoundException when {@code dir} is not a directory
     * @throws IOException           when it has no class sub-folders or its classes differ from the expected ones
     */
    public static ImageFolder scan(Path dir, List<String> expectedClasses) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FileNotFoundException("dataset directory not found: " + dir);
        }
        List<String> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (classes.isEmpty()) {
            throw new IOException("dataset directory " + dir + " has no class sub-folders (expected DIR/<class>/*.png)");
        }
        if (expectedClasses != null && !expectedClasses.equals(classes)) {
            throw new IOException("class folders of " + dir + " " + classes + " differ from " + expectedClasses);
        }
        List<ImageFile> files = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            try (Stream<Path> s = Files.list(dir.resolve(classes.get(label)))) {
                for (Path f : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(new ImageFile(f, dir.relativize(f).toString().replace('\\', '/'), label));
                }
            }
        }
        return new ImageFolder(dir, classes, files);
    }

    /** True when {@code dir} holds {@code train/} and {@code test/} class folders rather than classes directly. */
    public static boolean hasTrainTestParts(Path dir) {
        return Files.isDirectory(dir.resolve("train")) && Files.isDirectory(dir.resolve("test"));
    }

    public int size() {
        return files.size();
    }

    /** The files whose id {@code keep} accepts, same root and classes. */
    public ImageFolder filter(Predicate<String> keep) {
        return new ImageFolder(root, classNames, files.stream().filter(f -> keep.test(f.id())).toList());
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }
}
