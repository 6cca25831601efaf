package dev.glimpse.explain.render;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Tiles laid out in rows, each with a label underneath (feature maps, filters, method comparisons). */
public final class Grid {

    private static final int GAP = 4;
    private static final int LABEL_HEIGHT = 14;

    private Grid() {
    }

    public record Tile(BufferedImage image, String label) {
    }

    /**
     * Lays tiles out {@code columns} per row, each scaled (nearest neighbour) to tileSize × tileSize.
     */
    public static BufferedImage of(List<Tile> tiles, int columns, int tileSize) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("a grid needs at least one tile");
        }
        if (columns < 1 || tileSize < 1) {
            throw new IllegalArgumentException("columns and tile size must be positive, got " + columns + ", " + tileSize);
        }
        int cols = Math.min(columns, tiles.size());
        int rows = (tiles.size() + cols - 1) / cols;
        int cellH = tileSize + LABEL_HEIGHT;
        BufferedImage out = new BufferedImage(GAP + cols * (tileSize + GAP), GAP + rows * (cellH + GAP),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < tiles.size(); i++) {
                int x = GAP + (i % cols) * (tileSize + GAP);
                int y = GAP + (i / cols) * (cellH + GAP);
                // a non-square tile (a heatmap over a non-square original) keeps its aspect ratio, centred in its cell
                BufferedImage img = tiles.get(i).image();
                double f = Math.min((double) tileSize / img.getWidth(), (double) tileSize / img.getHeight());
                int tw = Math.max(1, (int) Math.round(img.getWidth() * f));
                int th = Math.max(1, (int) Math.round(img.getHeight() * f));
                g.drawImage(Images.scale(img, tw, th), x + (tileSize - tw) / 2, y + (tileSize - th) / 2, null);
                String label = tiles.get(i).label() == null ? "" : tiles.get(i).label();
                while (label.length() > 1 && fm.stringWidth(label) > tileSize) {
                    label = label.substring(0, label.length() - 1);
                }
                g.setColor(Color.BLACK);
                g.drawString(label, x + Math.max(0, (tileSize - fm.stringWidth(label)) / 2), y + tileSize + LABEL_HEIGHT - 3);
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
