#!/bin/busybox sh
# PID 1 of the integration tests' Linux guest (RealGuest): loads the modules listed in
# /modules.order, mounts each data disk named by virtchain.disks= on the kernel command line at
# /data/<disk>, starts qemu-guest-agent on the port libvirt named org.qemu.guest_agent.0, and
# runs the writer. Everything it reports goes to the serial console (a file on the host), one
# line per event, prefixed "virtchain-guest:" so the harness can tell it from kernel messages.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /var /sbin /usr/bin /usr/sbin /data
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
ln -s /run /var/run

say() { echo "virtchain-guest: $*" > /dev/ttyS0; }

for m in $(cat /modules.order); do
    insmod "/modules/$m" || say "cannot load module $m"
done

disks=
for word in $(cat /proc/cmdline); do
    case "$word" in
        virtchain.disks=*) disks=$(echo "${word#virtchain.disks=}" | tr , ' ') ;;
    esac
done

for d in $disks; do
    i=0
    while [ ! -b "/dev/$d" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    mkdir -p "/data/$d"
    if mount -t ext4 "/dev/$d" "/data/$d"; then
        say "mounted $d"
    else
        say "cannot mount $d"
    fi
done

# Without udev the port has no by-name link: the name libvirt gave it is in sysfs.
agent=
i=0
while [ -z "$agent" ] && [ $i -lt 100 ]; do
    for p in /sys/class/virtio-ports/*; do
        [ -e "$p/name" ] && [ "$(cat "$p/name")" = org.qemu.guest_agent.0 ] && agent="/dev/${p##*/}"
    done
    [ -n "$agent" ] || { sleep 0.1; i=$((i + 1)); }
done
if [ -n "$agent" ]; then
    /usr/sbin/qemu-ga -m virtio-serial -p "$agent" -t /run > /dev/ttyS0 2>&1 &
    echo $! > /run/qemu-ga.pid
    say "agent on $agent"
else
    say "no guest agent port"
fi

/writer $disks > /dev/ttyS0 2>&1 &
echo $! > /run/writer.pid

# PID 1 must not exit; /sbin/shutdown (run by the agent's guest-shutdown) powers the guest off.
while :; do sleep 3600; done
