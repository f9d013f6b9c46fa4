#!/bin/sh
# /sbin/shutdown of the test guest, run by qemu-guest-agent (guest-shutdown) and by acpid on the
# power button: stops the writer, syncs and unmounts the data disks cleanly, then powers off.
echo "virtchain-guest: shutting down" > /dev/ttyS0
kill "$(cat /run/writer.pid)" 2> /dev/null
sleep 0.2
sync
for m in /data/*; do umount "$m" 2> /dev/null && echo "virtchain-guest: unmounted ${m##*/}" > /dev/ttyS0; done
poweroff -f
