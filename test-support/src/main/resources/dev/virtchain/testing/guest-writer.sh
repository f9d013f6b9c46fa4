#!/bin/sh
# The integration tests' guest writer: appends one record per round to /data/<disk>/records on
# every disk given, in the order given, and syncs each file before the next. A record is one line,
#   DISK NUMBER CENTISECONDS CHECK
# NUMBER counts from 1 without gaps on each disk, CENTISECONDS is the guest's uptime, CHECK is
#   (NUMBER * 2654435761 + CENTISECONDS * 40503 + DISKINDEX * 97) mod 2^32
# in hex, DISKINDEX counting the disks from 1. GuestRecords on the host checks the same sum. A
# fresh guest writes the same NUMBER to every disk in a round, so a point in time taken across
# disks at once shows one NUMBER on every disk, or one less on the disks after the one written.
index=0
for d in "$@"; do
    index=$((index + 1))
    last=
    # A guest restarted from a snapshot continues each disk after the last record it holds.
    [ -s "/data/$d/records" ] && last=$(tail -n 1 "/data/$d/records" | cut -d ' ' -f 2 | sed 's/^0*//')
    eval "n_$index=${last:-0}"
    echo "virtchain-guest: writer starts $d after record ${last:-0}"
done
round=0
while :; do
    round=$((round + 1))
    read up idle < /proc/uptime
    # Two decimals; a leading 0 would make the shell read octal.
    frac=${up#*.}
    t=$(( ${up%.*} * 100 + ${frac#0} ))
    index=0
    for d in "$@"; do
        index=$((index + 1))
        eval "n=\$((n_$index + 1)); n_$index=\$n"
        c=$(( (n * 2654435761 + t * 40503 + index * 97) % 4294967296 ))
        printf '%s %08d %010d %08x\n' "$d" "$n" "$t" "$c" >> "/data/$d/records"
        sync "/data/$d/records"
    done
    [ $((round % 20)) -eq 0 ] && echo "virtchain-guest: record $n at $t"
done
