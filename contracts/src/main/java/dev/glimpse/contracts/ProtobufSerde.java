package dev.glimpse.contracts;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for one protobuf message type: the value is the plain protobuf wire format (no framing,
 * no schema registry). A {@code null} value (tombstone) maps to {@code null} both ways.
 */
public final class ProtobufSerde<T extends Message> implements Serde<T> {

    private final Parser<T> parser;
    private final String typeName;

    public ProtobufSerde(Parser<T> parser, String typeName) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.typeName = Objects.requireNonNull(typeName, "typeName");
    }

    /** Serde for the message class whose default instance is given, e.g. {@code of(ImageEvent.getDefaultInstance())}. */
    @SuppressWarnings("unchecked")
    public static <T extends Message> ProtobufSerde<T> of(T defaultInstance) {
        return new ProtobufSerde<>((Parser<T>) defaultInstance.getParserForType(),
                defaultInstance.getDescriptorForType().getFullName());
    }

    public String typeName() {
        return typeName;
    }

    /** Parses bytes; a malformed payload raises {@link SerializationException} naming the type and the topic. */
    public T parse(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return parser.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException("cannot parse " + data.length + " bytes on topic '" + topic
                    + "' as " + typeName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : value.toByteArray();
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::parse;
    }

    @Override
    public String toString() {
        return "ProtobufSerde[" + typeName + "]";
    }
}
