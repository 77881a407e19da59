# The Final server as a container, in the Swift server convention: build with the official Swift
# image, run on a slim Debian with only the runtime libraries.
#
#   docker build -t videotube .
#   docker run -p 8000:8000 -v videotube-data:/data --env-file .env videotube
#
# Without MONGODB_URI the embedded store keeps its data in /data (a volume); without CLOUDINARY_*
# media goes to /data/media. See notes/09-final-server.md.

# ---- build ----
FROM swift:6.2-bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmongoc-dev libbson-dev libsqlite3-dev libcrypt-dev libicu-dev libssl-dev libcurl4-openssl-dev pkg-config \
        python3-venv make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change to the sources does not fetch them again.
COPY Package.swift Package.resolved ./
RUN swift package resolve --force-resolved-versions
COPY . .
# The flags make dist uses too (scripts/release-flags): the Swift runtime is linked in, so the run
# stage needs no Swift installed.
RUN swift build $(cat scripts/release-flags) --force-resolved-versions --product videotube \
    && make api-docs \
    && mkdir -p /staging/bin /staging/public \
    && cp .build/release/videotube /staging/bin/ \
    && cp -r public/api-docs /staging/public/

# ---- run ----
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmongoc-1.0-0 libbson-1.0-0 libsqlite3-0 libcrypt1 libicu72 libssl3 libcurl4 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app videotube \
    && mkdir -p /data && chown videotube /data
COPY --from=build --chown=videotube /staging /app
WORKDIR /app
USER videotube
# HOST=0.0.0.0: the container's port is published. Behind a load balancer or another proxy, set
# TRUSTED_PROXIES to its address or subnet (e.g. TRUSTED_PROXIES=10.0.0.0/8): otherwise every client
# arrives from the proxy's address and they all share one bucket of login tries.
# CORS_ORIGIN=none: no frontend's dev server is allowed in a container; set your frontend's origin
# (and PUBLIC_URL, the address clients use) with -e or --env-file, which win over these.
ENV HOST=0.0.0.0 PORT=8000 DATA_DIR=/data MEDIA_DIR=/data/media TEMP_DIR=/data/temp CORS_ORIGIN=none
VOLUME /data
EXPOSE 8000
CMD ["/app/bin/videotube"]
