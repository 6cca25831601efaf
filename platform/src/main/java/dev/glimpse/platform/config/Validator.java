package dev.glimpse.platform.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Checks a parsed configuration value; {@link #describe()} is the "valid values" column of the reference. */
public interface Validator {

    /** @throws ConfigException naming the key and quoting the value when it is not acceptable */
    void ensureValid(String key, Object value);

    default String describe() {
        return "";
    }

    Validator ANY = new Validator() {
        @Override
        public void ensureValid(String key, Object value) {
        }
    };

    static Validator between(double min, double max) {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                double v = numeric(value);
                if (v < min || v > max) {
                    throw new ConfigException(key, value, "must be between " + format(min) + " and " + format(max));
                }
            }

            @Override
            public String describe() {
                return "[" + format(min) + ", " + format(max) + "]";
            }
        };
    }

    /** A number in an interval whose ends may be open: {@code range(0, false, 1, true)} is (0, 1]. */
    static Validator range(double min, boolean minIncluded, double max, boolean maxIncluded) {
        String interval = (minIncluded ? "[" : "(") + format(min) + ", " + format(max) + (maxIncluded ? "]" : ")");
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                double v = numeric(value);
                boolean ok = (minIncluded ? v >= min : v > min) && (maxIncluded ? v <= max : v < max);
                if (!ok) {
                    throw new ConfigException(key, value, "must be in " + interval);
                }
            }

            @Override
            public String describe() {
                return interval;
            }
        };
    }

    /** A number strictly above {@code min}. */
    static Validator greaterThan(double min) {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (!(numeric(value) > min)) {
                    throw new ConfigException(key, value, "must be > " + format(min));
                }
            }

            @Override
            public String describe() {
                return "> " + format(min);
            }
        };
    }

    static Validator atLeast(double min) {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (numeric(value) < min) {
                    throw new ConfigException(key, value, "must be at least " + format(min));
                }
            }

            @Override
            public String describe() {
                return "≥ " + format(min);
            }
        };
    }

    static Validator oneOf(String... allowed) {
        List<String> values = Arrays.asList(allowed);
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (value instanceof Collection<?> c) {
                    for (Object item : c) {
                        ensureValid(key, item);
                    }
                } else if (!values.contains(String.valueOf(value))) {
                    throw new ConfigException(key, value, "must be one of " + String.join(", ", values));
                }
            }

            @Override
            public String describe() {
                return String.join(", ", values);
            }
        };
    }

    /** Text (or every item of a list) matching {@code regex}; {@code description} says what is expected. */
    static Validator matches(String regex, String description) {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                if (value instanceof Collection<?> c) {
                    for (Object item : c) {
                        ensureValid(key, item);
                    }
                } else if (value != null && !String.valueOf(value).matches(regex)) {
                    throw new ConfigException(key, value, "expected " + description);
                }
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    static Validator nonEmpty() {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                boolean empty = value == null || (value instanceof String s && s.isBlank())
                        || (value instanceof Collection<?> c && c.isEmpty());
                if (empty) {
                    throw new ConfigException(key, value, "must not be empty");
                }
            }

            @Override
            public String describe() {
                return "non-empty";
            }
        };
    }

    /** Comma-separated {@code host:port} pairs (Kafka bootstrap servers). */
    static Validator hostPorts() {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                String text = String.valueOf(value);
                for (String part : text.split(",")) {
                    String p = part.trim();
                    int colon = p.lastIndexOf(':');
                    boolean ok = colon > 0 && colon < p.length() - 1;
                    if (ok) {
                        try {
                            int port = Integer.parseInt(p.substring(colon + 1));
                            ok = port > 0 && port <= 65535;
                        } catch (NumberFormatException e) {
                            ok = false;
                        }
                    }
                    if (!ok) {
                        throw new ConfigException(key, value, "expected host:port[,host:port...], '" + p + "' is not");
                    }
                }
            }

            @Override
            public String describe() {
                return "host:port[,host:port...]";
            }
        };
    }

    private static double numeric(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof Duration d) {
            return d.toMillis();
        }
        throw new IllegalStateException("numeric validator on a non-numeric value " + value);
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
