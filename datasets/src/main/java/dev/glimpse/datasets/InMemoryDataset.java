package dev.glimpse.datasets;

import java.util.List;

/** A dataset held as a list of images that all share one shape. */
public final class InMemoryDataset implements Dataset {

    private final String name;
    private final List<LabeledImage> images;
    private final List<String> classNames;
    private final int channels;
    private final int height;
    private final int width;

    public InMemoryDataset(String name, List<LabeledImage> images, List<String> classNames,
                           int channels, int height, int width) {
        this.name = name;
        this.images = List.copyOf(images);
        this.classNames = List.copyOf(classNames);
        this.channels = channels;
        this.height = height;
        this.width = width;
        for (LabeledImage image : this.images) {
            if (image.channels() != channels || image.height() != height || image.width() != width) {
                throw new IllegalArgumentException("image " + image.id() + " is " + image.channels() + "x"
                        + image.height() + "x" + image.width() + " but dataset " + name + " is "
                        + channels + "x" + height + "x" + width);
            }
            if (image.label() >= classNames.size()) {
                throw new IllegalArgumentException("image " + image.id() + " has label " + image.label()
                        + " but dataset " + name + " has only " + classNames.size() + " classes");
            }
        }
    }

    @Override public String name() { return name; }
    @Override public int size() { return images.size(); }
    @Override public LabeledImage get(int index) { return images.get(index); }
    @Override public List<String> classNames() { return classNames; }
    @Override public int channels() { return channels; }
    @Override public int height() { return height; }
    @Override public int width() { return width; }
}
