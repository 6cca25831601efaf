package dev.glimpse.trainingservice.internals;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serde for one protobuf message type (used for this module's own messages and internal stores). */
public final class ProtoSerde {
    private ProtoSerde() {
    }

    public static <T extends Message> Serde<T> of(Parser<T> parser) {
        Serializer<T> ser = (topic, msg) -> msg == null ? null : msg.toByteArray();
        Deserializer<T> de = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException("malformed protobuf on " + topic + ": " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(ser, de);
    }
}
