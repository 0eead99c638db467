# Shared set-up for scripts/test and scripts/demo: Debian packages (as root), .venv, the project itself.
# Idempotent: each step checks before it acts.

GREENROOM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEBIAN_PACKAGES=(obs-studio obs-plugins xvfb xauth chromium dovecot-imapd nginx libnginx-mod-rtmp ffmpeg postfix)

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

ensure_debian_packages() {
    local missing=()
    for package in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        log "missing Debian packages (run as root to install them): ${missing[*]}"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
    # Dovecot's and Postfix's packages start system services (143/993, 25); tests run their own instances.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now dovecot >/dev/null 2>&1 || true
        systemctl disable --now postfix >/dev/null 2>&1 || true
    fi
}

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    log "Python 3.11 or newer is required"
    return 1
}

ensure_venv() {
    cd "$GREENROOM_ROOT"
    if [ ! -x .venv/bin/python ]; then
        log "creating .venv"
        "$(find_python)" -m venv .venv
    fi
    local stamp=.venv/.greenroom-installed
    local wanted
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ] || ! .venv/bin/python -c 'import livekit.cli, outreach.cli' 2>/dev/null; then
        log "installing greenroom and its dev extras into .venv"
        .venv/bin/python -m pip install -q --upgrade pip >/dev/null
        .venv/bin/python -m pip install -q -e ".[dev]"
        echo "$wanted" >"$stamp"
    fi
    export PATH="$GREENROOM_ROOT/.venv/bin:$PATH"
}
