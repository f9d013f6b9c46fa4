# bash completion for virtchain.
# Generated from the command table by dev.virtchain.cli.Manual; do not edit.
_virtchain() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="status domains snapshot-create snapshot-list snapshot-info snapshot-delete snapshot-revert chain du clone flatten blockcopy export job-list job-abort policy-set policy-show policy-remove prune adopt help"
    local globals="--socket --json --quiet --timeout --help"
    local i cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --socket|--timeout) ((i++)) ;;
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    case $prev in
        --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --timeout) return ;;
        --quiesce) COMPREPLY=($(compgen -W "yes no auto" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "qcow2 raw" -- "$cur")); return ;;
        --description|--disks|--bandwidth|--shutdown-timeout|--disk|--since|--schedule|--keep-last|--keep-hourly|--keep-daily|--keep-weekly|--keep-monthly|--keep-yearly|--max-depth) COMPREPLY=(); return ;;
    esac
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands $globals" -- "$cur"))
        return
    fi
    local opts= files=
    case $cmd in
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
        status) opts="" ;;
        domains) opts="" ;;
        snapshot-create) opts="--quiesce --description --disks" ;;
        snapshot-list) opts="--tree" ;;
        snapshot-info) opts="" ;;
        snapshot-delete) opts="--dry-run --no-wait --bandwidth" ;;
        snapshot-revert) opts="--force --shutdown --shutdown-timeout --dry-run" ;;
        chain) opts="" ;;
        du) opts="" ;;
        clone) opts="" ;;
        flatten) opts="--bandwidth" ;;
        blockcopy) opts="--shallow --pivot --format --bandwidth --dry-run"; files=1 ;;
        export) opts="--disk --since"; files=1 ;;
        job-list) opts="" ;;
        job-abort) opts="" ;;
        policy-set) opts="--schedule --keep-last --keep-hourly --keep-daily --keep-weekly --keep-monthly --keep-yearly --max-depth --quiesce" ;;
        policy-show) opts="" ;;
        policy-remove) opts="" ;;
        prune) opts="--dry-run" ;;
        adopt) opts="" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
    elif [[ -n $files ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F _virtchain virtchain
