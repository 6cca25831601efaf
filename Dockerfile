# Glimpse services image: the launcher jar (./glimpse) on a Java 17 runtime.
#   docker build -t glimpse .                                   CPU (ONNX Runtime CPU)
#   docker build -t glimpse:gpu --build-arg MAVEN_PROFILE=gpu \
#     --build-arg RUNTIME_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 .   CUDA 12 + cuDNN 9
# Every service is a subcommand: docker run glimpse ingest --bootstrap-servers kafka:9092 ...

ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM maven:3.9-eclipse-temurin-17 AS build
# "gpu" swaps onnxruntime for onnxruntime_gpu (see the gpu profile in pom.xml); empty = CPU build.
ARG MAVEN_PROFILE=
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests ${MAVEN_PROFILE:+-P${MAVEN_PROFILE}} -pl launcher -am package

FROM ${RUNTIME_IMAGE}
# The CUDA base image has no Java; the Temurin one has.
RUN command -v java >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/*)
WORKDIR /app
COPY --from=build /src/launcher/target/glimpse.jar launcher/target/glimpse.jar
# ./glimpse only rebuilds when sources are newer than the jar; the image has no sources, so it runs the jar.
COPY glimpse ./glimpse
RUN mkdir -p data/models data/artifacts data/monitoring
ENV GLIMPSE_JAVA_OPTS="-Xmx2g"
ENTRYPOINT ["./glimpse"]
CMD ["--help"]
