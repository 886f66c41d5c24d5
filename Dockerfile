# The Docker flavour of release-actions (the root action.yml). GitHub builds this image in every
# job that uses it, on Linux runners only; the composite actions are faster and run everywhere.
# Base image pinned by digest (python:3.13-slim); bump tag and digest together.
FROM python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b

# git: tag-guard asks git whether the tag's commit is on the branch. The workspace is mounted
# from the runner and belongs to another user, so git is told to trust it.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /opt/release-actions

# The locked dependencies, exported from uv.lock with their hashes; this layer is rebuilt only
# when the lock changes. The base image's pip installs into the venv (--python), so the venv
# needs no pip of its own: nothing in the image runs one, and ensurepip is most of the time
# `python -m venv` takes. No bytecode either (--no-compile): GitHub builds the image in every
# job, and compiling all 1,700 modules (docutils, pygments, rich...) took about 5 s of CPU
# there, against about 0.1 s for a command to compile the few it imports when it runs.
COPY bootstrap/requirements.txt bootstrap/requirements.txt
RUN python -m venv --without-pip venv \
    && python -m pip --python venv/bin/python install --quiet --no-deps --require-hashes \
        --only-binary=:all: --no-compile -r bootstrap/requirements.txt

# The package itself runs from its source, put on the venv's path by a .pth file: `python -I`
# below ignores PYTHONPATH and the working directory (the caller's checkout), so nothing the
# caller's repository or environment holds can shadow a module of ours.
COPY src src
RUN echo "$(pwd)/src" > "$(venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/release-actions.pth" \
    && venv/bin/python -I -c 'import release_actions.docker'

ENV PATH=/opt/release-actions/venv/bin:$PATH
ENTRYPOINT ["/opt/release-actions/venv/bin/python", "-I", "-m", "release_actions.docker"]
