package dev.glimpse.explainworker;

import java.util.LinkedHashMap;
import java.util.Map;

/** An insertion-ordered map that drops its oldest entries beyond a maximum size; thread-safe. */
public final class BoundedMap<K, V> {

    private final LinkedHashMap<K, V> map;

    public BoundedMap(int maxEntries) {
        this.map = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > maxEntries;
            }
        };
    }

    public synchronized void put(K key, V value) {
        map.remove(key);
        map.put(key, value);
    }

    public synchronized V get(K key) {
        return map.get(key);
    }

    public synchronized boolean containsKey(K key) {
        return map.containsKey(key);
    }

    public synchronized int size() {
        return map.size();
    }
}
