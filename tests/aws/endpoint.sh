#!/bin/sh
# endpoint.sh — start or stop the local AWS endpoint (moto + fccext) for fcc's tests.
#
#   endpoint.sh start STATE_DIR   start tests/aws/server.py in the background (log in
#                                 STATE_DIR/server.log, PID in STATE_DIR/server.pid), wait up
#                                 to 30 s until it answers, print http://127.0.0.1:PORT
#   endpoint.sh stop STATE_DIR    TERM the server by PID, KILL it after 5 s; removes nothing
#
# tests/run.sh calls both and exports the printed URL as FCC_TEST_ENDPOINT.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}

usage() {
	echo "usage: $0 start|stop STATE_DIR" >&2
	exit 2
}

# alive PID: the process exists and is not a zombie. Once start has returned, the server's
# parent is init, which may take a while to reap it; a zombie has already stopped.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/stat" ] || return 0
	state=$(sed 's/^.*) \([A-Za-z]\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
	[ "$state" != Z ]
}

# is_ours PID: the PID is alive and is our server.py (guards against a recycled PID).
is_ours() {
	alive "$1" || return 1
	[ -r "/proc/$1/cmdline" ] || return 0
	tr '\0' ' ' <"/proc/$1/cmdline" | grep -q "tests/aws/server.py\|/server.py --port-file"
}

start() {
	dir=$1
	mkdir -p "$dir" || exit 1
	rm -f "$dir/port"
	"$PY" "$HERE/server.py" --port-file "$dir/port" </dev/null >"$dir/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/server.pid"
	# Poll every 0.1 s for up to 30 s: the port file appears once the socket listens; then
	# one HTTP round trip proves the app answers.
	i=0
	while [ "$i" -lt 300 ]; do
		if ! alive "$pid"; then
			echo "endpoint: server exited early; see $dir/server.log:" >&2
			tail -n 20 "$dir/server.log" >&2
			exit 1
		fi
		if [ -s "$dir/port" ]; then
			port=$(cat "$dir/port")
			if "$PY" -c 'import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/moto-api/data.json" % sys.argv[1], timeout=5).read()' "$port" 2>/dev/null; then
				echo "http://127.0.0.1:$port"
				exit 0
			fi
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "endpoint: server did not answer within 30 s; see $dir/server.log" >&2
	stop "$dir"
	exit 1
}

stop() {
	dir=$1
	[ -f "$dir/server.pid" ] || return 0
	pid=$(cat "$dir/server.pid")
	case $pid in '' | *[!0-9]*) return 0 ;; esac
	is_ours "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while [ "$i" -lt 50 ] && alive "$pid"; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

[ $# -eq 2 ] || usage
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
*) usage ;;
esac
