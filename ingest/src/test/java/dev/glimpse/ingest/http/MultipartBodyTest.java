package dev.glimpse.ingest.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ingest.ImageSamples;
import org.junit.jupiter.api.Test;

class MultipartBodyTest {

    @Test
    void shouldFindTheFilePartAndFormFields() {
        byte[] png = ImageSamples.grayPng();
        byte[] body = new Multipart().field("label", "3").file("file", "shirt.png", "image/png", png).build();

        MultipartBody form = MultipartBody.parse(Multipart.contentType(), body);

        assertEquals(2, form.parts().size());
        assertEquals("3", form.part("label").orElseThrow().text());
        MultipartBody.Part file = form.imagePart().orElseThrow();
        assertEquals("shirt.png", file.filename());
        assertEquals("image/png", file.contentType());
        assertArrayEquals(png, file.data(), "binary content survives, including CR/LF bytes inside the PNG");
    }

    @Test
    void shouldReportNoImagePartWhenOnlyFieldsAreSent() {
        byte[] body = new Multipart().field("label", "3").build();

        assertTrue(MultipartBody.parse(Multipart.contentType(), body).imagePart().isEmpty());
    }

    @Test
    void shouldRejectABodyWithoutItsBoundary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultipartBody.parse(Multipart.contentType(), "hello".getBytes()));
        assertTrue(e.getMessage().contains("boundary"));
        assertThrows(IllegalArgumentException.class, () -> MultipartBody.parse("multipart/form-data", new byte[0]));
    }
}
