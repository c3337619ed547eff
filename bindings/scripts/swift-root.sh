#!/usr/bin/env bash
# A Swift toolchain for Linux machines that have none: a Debian trixie root (made with
# debootstrap) holding Debian's `swiftlang` (Swift 6.0.3), in the git-ignored .tools/ folder.
#
#   bindings/scripts/swift-root.sh setup         # make the root unless it is already there
#   bindings/scripts/swift-root.sh run CMD ARG…  # run CMD inside it, in this directory
#
# `setup` takes about two minutes and ~1.5 GB the first time and is reused afterwards (the root is
# ready when .tools/swift-trixie/.studymate-ready lists the packages below). It needs root (or
# sudo) and installs debootstrap with apt when missing. The archive is the one apt already uses
# here (STUDYMATE_DEBIAN_MIRROR overrides it).
#
# `run` works in a private mount namespace (unshare), so its mounts — /proc, /dev, and the
# repository bind-mounted at its own path — vanish with the command and never outlive it. The
# host-built libstudymate_ffi.so and studymate-server are used from the repository's target/
# (built against the host's older glibc, which trixie's newer one runs).
set -euo pipefail
cd "$(dirname "$0")/../.."

root="$PWD/.tools/swift-trixie"
# zip: swift-release.sh, checked by test-swift-release.sh.
packages=(swiftlang libc6-dev libstdc++-14-dev sqlite3 zip)
ready="$root/.studymate-ready"

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)

die() {
    echo "swift-root: $*" >&2
    exit 1
}

# The archive apt uses on this machine (deb822 or one-line sources), else Debian's CDN.
mirror() {
    if [[ -n "${STUDYMATE_DEBIAN_MIRROR:-}" ]]; then
        echo "$STUDYMATE_DEBIAN_MIRROR"
        return
    fi
    local found
    found=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list 2>/dev/null | head -n 1 | tr -d ' ' || true)
    echo "${found:-http://deb.debian.org/debian}"
}

# Refuses to go on while anything is mounted inside the root (a removal would reach through it).
check_unmounted() {
    if findmnt -rn -o TARGET | grep -q "^$root/"; then
        die "something is still mounted under $root; unmount it first"
    fi
}

# Runs "$@" chrooted into the root, in a mount namespace of its own with /proc, /dev and the
# repository mounted; the working directory is this repository at the same path.
in_root() {
    local repo="$PWD"
    "${sudo[@]}" unshare --mount --propagation private -- /bin/sh -euc '
        root=$1 repo=$2
        shift 2
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mkdir -p "$root$repo"
        mount --bind "$repo" "$root$repo"
        cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        cd "$root$repo"
        exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
            PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
            /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$repo" "$@"
    ' sh "$root" "$repo" "$@"
}

# Installs the packages in the root with apt (and drops apt's downloads).
install_packages() {
    in_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
        sh "${packages[@]}"
}

setup() {
    if [[ -f "$ready" && "$(cat "$ready")" == "${packages[*]}" ]]; then
        return
    fi
    command -v unshare >/dev/null || die "unshare (util-linux) is missing"
    # A ready root made with another package list only needs the packages installed.
    if [[ -f "$ready" ]]; then
        echo "== installing ${packages[*]} in $root (apt)"
        install_packages >"$root.log" 2>&1 || die "apt-get install in the root failed; see $root.log"
        echo "${packages[*]}" | "${sudo[@]}" tee "$ready" >/dev/null
        rm -f "$root.log"
        return
    fi
    if ! command -v debootstrap >/dev/null; then
        echo "== installing debootstrap (apt)"
        "${sudo[@]}" apt-get install -y --no-install-recommends debootstrap >/dev/null 2>&1 \
            || { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y --no-install-recommends debootstrap >/dev/null; } \
            || die "apt-get install debootstrap failed"
    fi
    check_unmounted
    # A root without the marker is a broken earlier attempt: start again.
    "${sudo[@]}" rm -rf --one-file-system "$root"
    mkdir -p "$(dirname "$root")"
    local archive
    archive=$(mirror)
    echo "== making a Debian trixie root in $root (debootstrap, $archive)"
    "${sudo[@]}" debootstrap --variant=minbase trixie "$root" "$archive" >"$root.log" 2>&1 \
        || die "debootstrap failed; see $root.log"
    echo "== installing ${packages[*]} in it (apt)"
    install_packages >>"$root.log" 2>&1 || die "apt-get install in the root failed; see $root.log"
    echo "${packages[*]}" | "${sudo[@]}" tee "$ready" >/dev/null
    rm -f "$root.log"
}

case "${1:-}" in
    setup) setup ;;
    run)
        shift
        (( $# )) || die "run needs a command"
        [[ -f "$ready" ]] || die "no Swift root yet; run '$0 setup' first"
        in_root "$@"
        ;;
    *) die "usage: $0 setup | run CMD [ARG…]" ;;
esac
