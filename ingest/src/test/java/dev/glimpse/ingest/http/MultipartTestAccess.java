package dev.glimpse.ingest.http;

/** Lets tests in other packages build multipart bodies. */
public final class MultipartTestAccess {

    public static String contentType() {
        return Multipart.contentType();
    }

    public byte[] formWithoutFile() {
        return new Multipart().field("label", "3").field("comment", "forgot the file").build();
    }

    public byte[] formWithFile(byte[] image, String label) {
        return new Multipart().field("label", label).file("file", "upload.png", "image/png", image).build();
    }
}
