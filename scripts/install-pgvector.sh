#!/usr/bin/env bash
# Make the pgvector `vector` extension available to the local PostgreSQL
# server (CI helper). Idempotent: exits quickly if already installed.
#
# pgvector is not packaged for Debian bookworm, so it is built from Debian
# trixie's *source* package, fetched with a private apt configuration
# (the system's /etc/apt/sources.list* are left untouched).
#
# Environment (all optional):
#   PGHOST (127.0.0.1) PGPORT (5432) PGUSER (postgres) PGDATABASE (test)
#   PGVECTOR_SUITE   Debian suite to take the source from (trixie)
#   PGVECTOR_MIRROR  Debian mirror URL (default: taken from /etc/apt, else
#                    http://deb.debian.org/debian)
set -euo pipefail

export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-postgres}"
export PGDATABASE="${PGDATABASE:-test}"
SUITE="${PGVECTOR_SUITE:-trixie}"

log() { echo "pgvector: $*"; }
die() { echo "pgvector: ERROR: $*" >&2; exit 1; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "pgvector: ERROR: failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' EXIT

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    die "must run as root (or have sudo available)"
fi

# --- 1. Major version of the RUNNING server ---------------------------------
server_major() {
    local num
    if num=$(psql -X -tAc 'show server_version_num' 2>/dev/null) && [[ "$num" =~ ^[0-9]+$ ]]; then
        if [ "$num" -ge 100000 ]; then echo $((num / 10000)); else echo $((num / 100)); fi
        return 0
    fi
    # Server not reachable: fall back to the only installed cluster version.
    local vers
    vers=$(ls /etc/postgresql 2>/dev/null || true)
    if [ -n "$vers" ] && [ "$(echo "$vers" | wc -l)" -eq 1 ]; then
        echo "$vers"; return 0
    fi
    return 1
}
PGVER=$(server_major) || die "cannot determine PostgreSQL server major version (is the server running at $PGHOST:$PGPORT?)"
PG_CONFIG="/usr/lib/postgresql/$PGVER/bin/pg_config"

control_version() {  # prints default_version from vector.control, if present
    sed -n "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$1" 2>/dev/null | head -n1
}

# --- 2. Fast path -------------------------------------------------------------
if [ -x "$PG_CONFIG" ]; then
    CONTROL="$("$PG_CONFIG" --sharedir)/extension/vector.control"
    if [ -f "$CONTROL" ]; then
        log "already installed ($(control_version "$CONTROL")) for PostgreSQL $PGVER"
        exit 0
    fi
fi
log "PostgreSQL server major version: $PGVER; vector extension not installed, building from Debian $SUITE source"

# --- 3. Build dependencies (from the system's own bookworm sources) ----------
export DEBIAN_FRONTEND=noninteractive
log "installing build dependencies: postgresql-server-dev-$PGVER make gcc dpkg-dev"
"${SUDO[@]}" apt-get update -qq || die "apt-get update failed"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    "postgresql-server-dev-$PGVER" make gcc libc6-dev dpkg-dev >/dev/null \
    || die "apt-get install of build dependencies failed"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG missing after installing postgresql-server-dev-$PGVER"
CONTROL="$("$PG_CONFIG" --sharedir)/extension/vector.control"

# --- 4. Fetch the source package with a private apt configuration -----------
detect_mirror() {
    # First Debian (non-security) archive URI configured in /etc/apt, deb822 or one-line format.
    local f uri
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        while read -r uri; do
            case "$uri" in
                *security*|*snapshot*) continue ;;
                http://*/debian|https://*/debian|http://*/debian/|https://*/debian/) echo "${uri%/}"; return 0 ;;
            esac
        done < <(sed -e 's/#.*//' "$f" | grep -oE '(https?://[^[:space:]]+)' || true)
    done
    return 1
}
MIRROR="${PGVECTOR_MIRROR:-$(detect_mirror || echo http://deb.debian.org/debian)}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgvector-build.XXXXXX")
trap 'rc=$?; rm -rf "$WORK"; [ $rc -eq 0 ] || echo "pgvector: ERROR: failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2' EXIT
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/src"
echo "deb-src $MIRROR $SUITE main" > "$WORK/apt/sources.list"
APT_PRIVATE=(
    -o "Dir::Etc::SourceList=$WORK/apt/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$WORK/apt/lists"
    -o "Dir::Cache=$WORK/apt/cache"
    -o "APT::Sandbox::User=root"
)
log "fetching $SUITE source index from $MIRROR (private apt config in $WORK/apt)"
apt-get "${APT_PRIVATE[@]}" -qq update || die "private apt-get update for $SUITE failed"
log "downloading source package pgvector"
(cd "$WORK/src" && apt-get "${APT_PRIVATE[@]}" -qq source --download-only pgvector) \
    || die "apt-get source pgvector failed"
DSC=$(ls "$WORK"/src/pgvector_*.dsc 2>/dev/null | head -n1)
[ -n "$DSC" ] || die "no pgvector .dsc downloaded"
log "unpacking $(basename "$DSC")"
(cd "$WORK/src" && dpkg-source -q -x "$(basename "$DSC")" pgvector >/dev/null 2>&1) \
    || die "dpkg-source -x failed"

# --- 5. Build and install -----------------------------------------------------
log "building (make with_llvm=no PG_CONFIG=$PG_CONFIG)"
make -s -C "$WORK/src/pgvector" -j"$(nproc)" with_llvm=no PG_CONFIG="$PG_CONFIG" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "build failed"; }
log "installing"
"${SUDO[@]}" make -s -C "$WORK/src/pgvector" install with_llvm=no PG_CONFIG="$PG_CONFIG" >"$WORK/install.log" 2>&1 \
    || { cat "$WORK/install.log" >&2; die "make install failed"; }
[ -f "$CONTROL" ] || die "$CONTROL missing after make install"
VERSION=$(control_version "$CONTROL")
log "installed pgvector $VERSION into $("$PG_CONFIG" --sharedir)/extension and $("$PG_CONFIG" --pkglibdir)"

# --- 6. Verify against the running server ------------------------------------
log "verifying in database $PGDATABASE at $PGHOST:$PGPORT"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS vector' \
    || die "CREATE EXTENSION vector failed"
DIST=$(psql -X -tA -v ON_ERROR_STOP=1 -c "SELECT '[1,0,0]'::vector <=> '[0,1,0]'::vector") \
    || die "cosine distance query failed"
[ "$DIST" = "1" ] || die "expected cosine distance 1, got '$DIST'"
log "cosine distance '[1,0,0]' <=> '[0,1,0]' = $DIST"
NEAREST=$(psql -X -tA -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE pgvector_install_check (id int PRIMARY KEY, embedding vector(3));
INSERT INTO pgvector_install_check VALUES (1, '[0,1,0]'), (2, '[0.9,0.1,0]'), (3, '[0,0,1]');
CREATE INDEX ON pgvector_install_check USING hnsw (embedding vector_cosine_ops);
SET enable_seqscan = off;
SELECT id FROM pgvector_install_check ORDER BY embedding <=> '[1,0,0]' LIMIT 1;
SQL
) || die "HNSW index check failed"
[ "$NEAREST" = "2" ] || die "HNSW nearest-neighbour check: expected id 2, got '$NEAREST'"
log "HNSW index (vector_cosine_ops) nearest neighbour of [1,0,0] = id $NEAREST (ok)"
log "done: pgvector $(psql -X -tAc "SELECT extversion FROM pg_extension WHERE extname = 'vector'") ready in database $PGDATABASE"
