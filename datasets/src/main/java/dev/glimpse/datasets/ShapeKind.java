package dev.glimpse.datasets;

/**
 * The shapes the synthetic generator draws. Each decides whether a point, given in the shape's own frame
 * (centred, rotated, in units of the shape's radius), is inside it.
 */
public enum ShapeKind {
    CIRCLE("circle") {
        @Override boolean contains(double u, double v) {
            return u * u + v * v <= 1.0;
        }
    },
    SQUARE("square") {
        @Override boolean contains(double u, double v) {
            return Math.abs(u) <= 0.7 && Math.abs(v) <= 0.7;
        }
    },
    TRIANGLE("triangle") {
        // Equilateral triangle inscribed in the unit circle, apex up.
        @Override boolean contains(double u, double v) {
            double ax = 0, ay = -1, bx = -0.866, by = 0.5, cx = 0.866, cy = 0.5;
            double d1 = (u - bx) * (ay - by) - (ax - bx) * (v - by);
            double d2 = (u - cx) * (by - cy) - (bx - cx) * (v - cy);
            double d3 = (u - ax) * (cy - ay) - (cx - ax) * (v - ay);
            boolean neg = d1 < 0 || d2 < 0 || d3 < 0;
            boolean pos = d1 > 0 || d2 > 0 || d3 > 0;
            return !(neg && pos);
        }
    },
    CROSS("cross") {
        @Override boolean contains(double u, double v) {
            // Arm length 0.95 keeps the arm corners (0.95, 0.3) inside the unit circle.
            double w = 0.3;
            double a = 0.95;
            return (Math.abs(u) <= a && Math.abs(v) <= w) || (Math.abs(u) <= w && Math.abs(v) <= a);
        }
    },
    RING("ring") {
        @Override boolean contains(double u, double v) {
            double d = u * u + v * v;
            return d <= 1.0 && d >= 0.55 * 0.55;
        }
    },
    DIAMOND("diamond") {
        @Override boolean contains(double u, double v) {
            return Math.abs(u) + Math.abs(v) <= 1.0;
        }
    };

    // Every shape lies inside the unit circle of its own frame, so the radius bounds its extent.
    private final String label;

    ShapeKind(String label) {
        this.label = label;
    }

    /** The class name used in datasets and model metadata. */
    public String label() {
        return label;
    }

    abstract boolean contains(double u, double v);

    /** Whether rotation changes the shape at all (circles and rings are not rotated). */
    boolean rotates() {
        return this != CIRCLE && this != RING;
    }

    /** Largest rotation drawn, in radians; square and diamond stay within +-15 degrees so they do not swap. */
    double maxRotation() {
        return switch (this) {
            case SQUARE, DIAMOND, CROSS -> Math.toRadians(15);
            case TRIANGLE -> Math.PI;
            default -> 0;
        };
    }
}
