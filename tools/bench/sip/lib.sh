# shellcheck shell=bash
# Shared by the SIP benchmarks (tools/bench/calls, tools/bench/kamailio):
# ports, CPU accounting, and the call-rate sweep with SIPp, so that the edge
# and Kamailio are measured by the very same code.
#
# Source it, then call sweep_calls (see below). Needs: sipp, bc, awk.

BENCH_SIP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_tcp() {  # host port seconds
  for _ in $(seq 1 $(($3 * 20))); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# utime+stime of processes (and all their threads), in jiffies. "tree:PID"
# counts PID with its children, live (e.g. PostgreSQL's backends) and
# reaped (cutime+cstime).
cpu_ticks() {
  local sum=0 pid t child
  for pid in "$@"; do
    if [[ $pid == tree:* ]]; then
      pid=${pid#tree:}
      t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)
      for child in $(pgrep -P "$pid"); do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)))
      done
    else
      t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    fi
    sum=$((sum + t))
  done
  echo "$sum"
}
# Context switches (voluntary and not) of a process's threads: each is a
# thread hop or a wait, the cost CPU per call hides best on a busy machine.
ctx_switches() {
  local pid=${1#tree:}
  cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'
}
# Busy and total jiffies of the whole machine.
machine_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

# How busy the machine is before a benchmark starts (percent of all cores).
machine_busy_now() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(machine_ticks); sleep 2; read -r b1 t1 < <(machine_ticks)
  echo $(( (b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
}

# sipp_register DIR PROXY USER DOMAIN PASSWORD UAS_PORT: registers USER with
# digest auth, its Contact being the UAS on UAS_PORT. Non-zero on failure.
sipp_register() {
  local dir=$1
  mkdir -p "$dir"
  printf 'SEQUENTIAL\n%s;[authentication username=%s password=%s]\n' "$3" "$3" "$5" >"$dir/user.csv"
  (cd "$dir" && sipp "$2" -sf "$BENCH_SIP_DIR/register.xml" -inf user.csv -key domain "$4" \
      -key uas_port "$6" -m 1 -i 127.0.0.1 -p "$(free_udp_port)" -timeout 10s -timeout_error -nostdin \
      -trace_err -error_file errors.log >sipp.out 2>&1)
}

# start_uas DIR PORT: the answering phone, in the background; sets UAS_PID.
start_uas() {
  mkdir -p "$1"
  (cd "$1" && exec sipp -sf "$BENCH_SIP_DIR/answer.xml" -i 127.0.0.1 -p "$2" -buff_size 8388608 -nostdin \
      -trace_err -error_file errors.log >sipp.out 2>&1) &
  UAS_PID=$!
}

# ms_per_call TICKS CALLS: CPU jiffies spent over that many calls, in ms each.
ms_per_call() {
  if (($2 > 0)); then echo "scale=3; $1 * 10 / $2" | bc -l | awk '{printf "%.3f", $1}'; else echo "-"; fi
}

# sweep_calls LABEL PROXY CALLEE "RATES" DURATION DIR PID...: for each rate,
# SIPp places DURATION seconds of trunk calls (no digest) to CALLEE through
# PROXY; the callee's UAS answers at once, the call holds HOLD_MS (default
# 0). Prints a table row per rate (calls/s achieved, failures, INVITE → 180
# p50/p99, CPU of the PIDs given — the proxy under test and what it needs —
# and of the rest of the machine), then "LABEL: highest rate …".
# Sets SWEEP_BEST (calls/s with < 0.1 % failures and >= 95 % of the rate).
# SWEEP_PROFILE=PID records that process with perf during each rate.
# "ms/call" is the proxy's CPU (the PIDs given) per successful call, the
# figure to compare while the machine is shared (the knee moves with the
# noise, CPU per call much less). SWEEP_NAMES ("edge routing redis"), one
# name per PID, adds a line per rate splitting that CPU by process, with
# each one's context switches per call.
sweep_calls() {
  local label=$1 proxy=$2 callee=$3 rates=$4 duration=$5 dir=$6
  shift 6
  local pids=("$@")
  local rate calls p0 p1 t0 t1 mb0 mt0 mb1 mt1 s_pid s_ticks child t wall
  local ok failed retrans achieved p50 p99 proxy_cpu sipp_cpu other_cpu total rdir
  SWEEP_BEST=0
  local names=(${SWEEP_NAMES:-}) per0 per1 cs0 cs1 i detail
  printf '\n%s\n%-8s %-9s %-9s %-8s %-8s %-9s %-9s %-8s %-8s %-7s %-7s\n' "$label" \
    "target" "achieved" "ok" "failed" "retrans" "p50 ms" "p99 ms" "proxy" "ms/call" "sipp" "other"
  for rate in $rates; do
    calls=$((rate * duration))
    rdir=$dir/$label-$rate
    mkdir -p "$rdir"
    per0=(); cs0=(); for pid in "${pids[@]}"; do per0+=("$(cpu_ticks "$pid")"); cs0+=("$(ctx_switches "$pid")"); done
    p0=$(cpu_ticks "${pids[@]}"); t0=$(date +%s.%N)
    read -r mb0 mt0 < <(machine_ticks)
    (cd "$rdir" && exec sipp "$proxy" -sf "$BENCH_SIP_DIR/trunk_call.xml" -key callee "$callee" \
        -key caller "${SWEEP_CALLER:-0297000001}" -d "${HOLD_MS:-0}" -m "$calls" -r "$rate" -rp 1000 \
        -l $((rate * 10 + 100)) -i 127.0.0.1 -p "$(free_udp_port)" -buff_size 8388608 \
        -timeout $((duration * 3 + 30))s -nostdin -trace_stat -fd 1 -stf stat.csv -trace_rtt -rtt_freq 1 \
        -trace_err -error_file errors.log >sipp.out 2>&1) &
    s_pid=$!
    s_ticks=0
    # SWEEP_PROFILE=PID: where that process spends its CPU at this rate
    # (perf record -g for the run's duration; perf report -i $rdir/perf.data).
    if [[ -n ${SWEEP_PROFILE:-} ]]; then
      perf record -q -g -p "$SWEEP_PROFILE" -o "$rdir/perf.data" -- sleep "$duration" >/dev/null 2>&1 &
    fi
    local hard_stop=$(( $(date +%s) + duration * 3 + 40 ))
    while kill -0 "$s_pid" 2>/dev/null; do
      child=$(pgrep -P "$s_pid" sipp || echo "$s_pid")
      t=$(cpu_ticks "$child"); [[ $t -gt $s_ticks ]] && s_ticks=$t
      # Past the knee SIPp may never finish its calls (and its -timeout does
      # not always fire): stop it; its statistics so far are written.
      if (( $(date +%s) > hard_stop )); then
        # SIGINT lets it write its statistics; KILL if it is still there
        # after 2 s. (It may be gone by then: not an error, under set -e.)
        kill -INT "$child" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$child" 2>/dev/null || true
      fi
      sleep 0.2
    done
    wait "$s_pid" || true
    p1=$(cpu_ticks "${pids[@]}"); t1=$(date +%s.%N)
    per1=(); cs1=(); for pid in "${pids[@]}"; do per1+=("$(cpu_ticks "$pid")"); cs1+=("$(ctx_switches "$pid")"); done
    read -r mb1 mt1 < <(machine_ticks)
    field() { awk -F';' -v name="$1" 'NR==1 {for (i=1;i<=NF;i++) if ($i==name) col=i; next} {v=$col} END {print v+0}' "$rdir/stat.csv"; }
    ok=$(field "SuccessfulCall(C)"); failed=$(field "FailedCall(C)"); retrans=$(field "Retransmissions(C)")
    achieved=$(field "CallRate(C)")
    read -r p50 p99 < <(cat "$rdir"/*_rtt.csv 2>/dev/null | awk -F';' '$2 ~ /^[0-9.]+$/ {print $2}' | sort -n |
      awk '{v[NR]=$1} END {if (NR==0) {print "- -"; exit} i50=int(NR*0.50); i99=int(NR*0.99); if (i50<1) i50=1; if (i99<1) i99=1; printf "%.2f %.2f\n", v[i50], v[i99]}')
    wall=$(echo "$t1 - $t0" | bc -l)
    proxy_cpu=$(echo "($p1 - $p0) / 100 / $wall" | bc -l)
    sipp_cpu=$(echo "$s_ticks / 100 / $wall" | bc -l)
    other_cpu=$(echo "($mb1 - $mb0) / 100 / $wall - ($p1 - $p0 + $s_ticks) / 100 / $wall" | bc -l)
    printf '%-8s %-9.0f %-9s %-8s %-8s %-9s %-9s %-8.2f %-8s %-7.2f %-7.2f\n' \
      "$rate" "$achieved" "$ok" "$failed" "$retrans" "$p50" "$p99" "$proxy_cpu" "$(ms_per_call $((p1 - p0)) "$ok")" \
      "$sipp_cpu" "$other_cpu"
    if ((${#names[@]} > 0)); then
      detail=""
      for i in "${!pids[@]}"; do
        detail+=" ${names[$i]:-pid${pids[$i]}} $(ms_per_call $((per1[i] - per0[i])) "$ok")"
        [[ ${pids[$i]} == tree:* ]] ||
          detail+=" ($(echo "scale=1; (${cs1[$i]} - ${cs0[$i]}) / $((ok > 0 ? ok : 1))" | bc -l) cs)"
      done
      echo "         ms/call by process (cs: context switches per call):$detail"
    fi
    total=$((ok + failed))
    if [[ $total -gt 0 ]] && (( failed * 1000 < total )) && [[ $(echo "$achieved >= 0.95 * $rate" | bc -l) == 1 ]]; then
      SWEEP_BEST=$rate
    elif [[ ${SWEEP_STOP_AT_FAILURE:-1} == 1 ]]; then
      break  # past the knee: higher rates only fail more, and take long to time out
    fi
  done
  echo "$label: highest rate with < 0.1 % failed calls: ${SWEEP_BEST} calls/s"
}
