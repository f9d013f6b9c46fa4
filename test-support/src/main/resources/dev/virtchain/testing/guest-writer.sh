#!/bin/sh
# The integration tests' guest writer: appends one record per round to /data/<disk>/records on
# every disk given, in the order given, and syncs each file before the next. A record is one line,
#   DISK NUMBER CENTISECONDS CHECK
# NUMBER counts from 1 without gaps on each disk, CENTISECONDS is the guest's uptime, CHECK is
#   (NUMBER * 2654435761 + CENTISECONDS * 40503 + DISKINDEX * 97) mod 2^32
# in hex, DISKINDEX counting the disks from 1. GuestRecords on the host checks the same sum. The
# writer writes the same NUMBER to every disk in a round, so a point in time taken across disks at
# once shows one NUMBER on every disk, or one less on the disks after the one written.

now() {
    read up idle < /proc/uptime
    # Two decimals; a leading 0 would make the shell read octal.
    frac=${up#*.}
    t=$(( ${up%.*} * 100 + ${frac#0} ))
}

append() { # DISK INDEX NUMBER
    c=$(( ($3 * 2654435761 + t * 40503 + $2 * 97) % 4294967296 ))
    printf '%s %08d %010d %08x\n' "$1" "$3" "$t" "$c" >> "/data/$1/records"
    sync "/data/$1/records"
}

# A guest restarted from a snapshot continues after the last record each disk holds; a disk that
# was taken one record behind the others first gets that record, so the rounds line up again.
n=0
for d in "$@"; do
    last=
    [ -s "/data/$d/records" ] && last=$(tail -n 1 "/data/$d/records" | cut -d ' ' -f 2 | sed 's/^0*//')
    last=${last:-0}
    echo "virtchain-guest: writer starts $d after record $last"
    [ "$last" -gt "$n" ] && n=$last
done
now
index=0
for d in "$@"; do
    index=$((index + 1))
    last=
    [ -s "/data/$d/records" ] && last=$(tail -n 1 "/data/$d/records" | cut -d ' ' -f 2 | sed 's/^0*//')
    k=${last:-0}
    while [ "$k" -lt "$n" ]; do
        k=$((k + 1))
        append "$d" "$index" "$k"
    done
done
while :; do
    n=$((n + 1))
    now
    index=0
    for d in "$@"; do
        index=$((index + 1))
        append "$d" "$index" "$n"
    done
    [ $((n % 20)) -eq 0 ] && echo "virtchain-guest: record $n at $t"
done
