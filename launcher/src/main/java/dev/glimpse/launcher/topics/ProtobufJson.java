package dev.glimpse.launcher.topics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;

/**
 * A Glimpse event as JSON, field names as in the .proto file: set fields only, nested messages as objects, enums by
 * name, maps as objects. Bytes fields (image data, masks, dead letters' originals) are never printed: they become
 * {@code {"bytes": N}}, so a record of any size reads as one short line.
 */
public final class ProtobufJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ProtobufJson() {
    }

    public static ObjectNode toJson(Message message) {
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.isMapField()) {
                ObjectNode map = out.putObject(f.getName());
                for (Object entry : (List<?>) e.getValue()) {
                    MapEntry<?, ?> me = (MapEntry<?, ?>) entry;
                    map.set(String.valueOf(me.getKey()), value(f.getMessageType().findFieldByName("value"), me.getValue()));
                }
            } else if (f.isRepeated()) {
                ArrayNode array = out.putArray(f.getName());
                for (Object v : (List<?>) e.getValue()) {
                    array.add(value(f, v));
                }
            } else {
                out.set(f.getName(), value(f, e.getValue()));
            }
        }
        return out;
    }

    private static JsonNode value(FieldDescriptor f, Object v) {
        return switch (f.getJavaType()) {
            case MESSAGE -> toJson((Message) v);
            case ENUM -> NODES.textNode(((EnumValueDescriptor) v).getName());
            case BYTE_STRING -> NODES.objectNode().put("bytes", ((ByteString) v).size());
            case BOOLEAN -> NODES.booleanNode((Boolean) v);
            case INT -> NODES.numberNode((Integer) v);
            case LONG -> NODES.numberNode((Long) v);
            case FLOAT -> NODES.numberNode((Float) v);
            case DOUBLE -> NODES.numberNode((Double) v);
            case STRING -> NODES.textNode((String) v);
        };
    }
}
