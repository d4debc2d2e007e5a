# The image of the scheduled report (kubectl harden cronjob): the plugin and
# nothing else, run as an unprivileged user. The job runs
# `kubectl-harden cronjob run`, which writes the report itself, so it needs
# no shell and no kubectl.
#
# Build it from a binary built for the nodes' platform:
#   CGO_ENABLED=0 GOOS=linux go build -trimpath -o kubectl-harden ./cmd/kubectl-harden
#   docker build -t registry.example.com/kubectl-harden:v0.1.0 .
# BASE is any image whose user 65532 may run a static binary; the default
# is distroless's static image (no shell). An air-gapped build passes a
# mirrored base: --build-arg BASE=registry.example.com/busybox:1.37.0
ARG BASE=gcr.io/distroless/static-debian12:nonroot
FROM ${BASE}
COPY kubectl-harden /usr/local/bin/kubectl-harden
ENV PATH=/usr/local/bin:/usr/bin:/bin
USER 65532:65532
ENTRYPOINT ["kubectl-harden"]
