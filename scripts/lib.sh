# Shared by scripts/test and scripts/quickstart: install what is missing, start libvirt.
# Works on Debian 12 with or without systemd as PID 1; safe to run again and again.

need_packages() {
    local missing=()
    command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null || missing+=(maven)
    command -v libvirtd >/dev/null || missing+=(libvirt-daemon-system)
    command -v virsh >/dev/null || missing+=(libvirt-clients)
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v qemu-img >/dev/null || missing+=(qemu-utils)
    # The alert rules' unit tests (promtool) and the metrics integration test (a real server,
    # started by the test itself on loopback) use Debian's Prometheus.
    command -v promtool >/dev/null && command -v prometheus >/dev/null || missing+=(prometheus)
    # The Linux test guest (test-support's RealGuest) is built from Debian packages fetched with
    # apt-get download; its disks are formatted and checked on the host, its module list made
    # with depmod, and qemu-guest-agent runs on the host's copies of the libraries it needs.
    command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null || missing+=(e2fsprogs)
    command -v depmod >/dev/null || missing+=(kmod)
    # CloneFilesIT starts a domain with an emulated TPM (libvirt runs swtpm_setup, then swtpm).
    command -v swtpm >/dev/null && command -v swtpm_setup >/dev/null || missing+=(swtpm swtpm-tools)
    local lib
    for lib in libglib2.0-0 libnuma1 liburing2 libudev1; do
        dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q 'ok installed' || missing+=("$lib")
    done
    local update=no
    apt-cache show --no-all-versions busybox-static qemu-guest-agent linux-image-amd64 >/dev/null 2>&1 || update=yes
    if [ ${#missing[@]} -gt 0 ] || [ "$update" = yes ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        without_service_starts apt-get install -y -qq "${missing[@]}" >/dev/null
        if [[ " ${missing[*]} " == *" prometheus "* ]] && [ "$(ps -o comm= -p 1 2>/dev/null)" = systemd ]; then
            # Installed for the tests only: not a server to run at every boot.
            systemctl disable prometheus.service >/dev/null 2>&1 || true
        fi
    fi
}

# Runs a command (an apt-get install) with invoke-rc.d told not to start services: the
# prometheus package would otherwise start a server on port 9090 that nothing here uses. An
# existing policy-rc.d (containers ship one) is left as it is; one made here is removed after.
without_service_starts() {
    local policy=/usr/sbin/policy-rc.d made=no status=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# made by virtchain scripts/lib.sh for one apt-get run\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        made=yes
    fi
    "$@" || status=$?
    if [ "$made" = yes ]; then
        rm -f "$policy"
    fi
    return "$status"
}

# Whether /run/NAME.pid names a live process of the host's root (not a chroot's).
host_daemon_runs() {
    local pid
    pid="$(tr -dc 0-9 2>/dev/null <"/run/$1.pid")" || return 1
    [ -n "$pid" ] && [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = / ] \
        && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

start_libvirt() {
    if [ "$(ps -o comm= -p 1 2>/dev/null)" = systemd ]; then
        systemctl start virtlogd.socket libvirtd.service 2>/dev/null || systemctl start libvirtd
    else
        # By pidfile, not by name: a test root's libvirtd (scripts/trixie-root) may run beside.
        host_daemon_runs virtlogd || { echo "==> starting virtlogd"; virtlogd -d; }
        host_daemon_runs libvirtd || { echo "==> starting libvirtd"; libvirtd -d; }
    fi
    local i
    for i in $(seq 1 60); do
        if virsh -c qemu:///system version >/dev/null 2>&1; then
            echo "==> libvirtd answers at qemu:///system"
            return 0
        fi
        sleep 0.5
    done
    echo "libvirtd did not answer at qemu:///system within 30 s" >&2
    return 1
}
