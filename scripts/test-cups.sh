#!/usr/bin/env bash
# Start (or stop) a CUPS server with a CUPS-PDF queue, so the tests print for real and find
# the printed file.
#   scripts/test-cups.sh start OUTDIR   prints the queue's name; printed PDFs land in OUTDIR
#   scripts/test-cups.sh stop OUTDIR    stops the scheduler only if start started it
# apt installs cups but starts no scheduler in a container; cupsd and lpadmin need root.
set -euo pipefail
action=${1:?start or stop}
queue=CUPS-PDF
case "$action" in
  start)
    out=${2:?output folder}
    [ "$(id -u)" = 0 ] || { echo "starting CUPS needs root" >&2; exit 1; }
    command -v cupsd >/dev/null || { echo "cups is not installed" >&2; exit 1; }
    mkdir -p "$out"
    chmod 1777 "$out"
    conf=/etc/cups/cups-pdf.conf
    sed -i -E "s|^#?Out .*|Out $out|; s|^#?AnonDirName .*|AnonDirName $out|" "$conf"
    if ! lpstat -r 2>/dev/null | grep -q "is running"; then
      cupsd -f </dev/null >/dev/null 2>&1 &
      echo $! > "$out/.cupsd.pid"  # ours to stop; a scheduler that was already running is not
      for _ in $(seq 50); do
        lpstat -r 2>/dev/null | grep -q "is running" && break
        sleep 0.1
      done
    fi
    lpadmin -p "$queue" -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd -E
    lpadmin -d "$queue"
    echo "$queue"
    ;;
  stop)
    out=${2:?output folder}
    pidfile="$out/.cupsd.pid"
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      rm -f "$pidfile"
    fi
    ;;
  *) echo "usage: $0 start OUTDIR | stop OUTDIR" >&2; exit 2 ;;
esac
