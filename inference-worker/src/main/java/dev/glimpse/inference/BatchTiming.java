package dev.glimpse.inference;

/** When a batch started, how long ONNX Runtime took on it and how many images it ran: each prediction's timings. */
record BatchTiming(long startedAtMs, long inferenceMs, int size) {
}
