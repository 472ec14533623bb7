/*
 * Ground-truth load generator for the capture-completeness benchmark.
 *
 * Forks short-lived children at a target rate; each makes exactly one connection
 * (TCP to 127.0.0.1, TCP to ::1, or one UDP datagram to 127.0.0.1 / ::1) to a listener
 * this process runs, writes one JSON truth line (pid, comm, 5-tuple, times) with a
 * single O_APPEND write, and exits at once. The listener thread accepts and closes
 * TCP connections and reads datagrams so every connection completes.
 *
 * Usage: loadgen --truth PATH [--rate N] [--count N] [--seconds S] [--mix tcp4,tcp6,udp4]
 *                [--listener-log PATH] [--max-inflight N] [--exec] [--graceful-close]
 * Prints one JSON summary line on stdout. Traffic goes to loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum kind { K_TCP4, K_TCP6, K_UDP4, K_UDP6, K_COUNT };
static const char *KIND_NAME[K_COUNT] = {"tcp4", "tcp6", "udp4", "udp6"};
static const int KIND_TCP[K_COUNT] = {1, 1, 0, 0};
static const int KIND_V6[K_COUNT] = {0, 1, 0, 1};

/* Exit codes a child uses so the parent can count outcomes per kind without a side channel. */
#define EXIT_OK_BASE 10
#define EXIT_FAIL 3

static int listen_fd[K_COUNT] = {-1, -1, -1, -1};
static int listen_port[K_COUNT];
static int stop_fd = -1;
static atomic_long seen[K_COUNT];
static FILE *listener_log;

static int64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int parse_kind(const char *s) {
  for (int k = 0; k < K_COUNT; k++)
    if (strcmp(s, KIND_NAME[k]) == 0) return k;
  return -1;
}

static socklen_t loopback_addr(int k, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (KIND_V6[k]) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    a->sin6_port = htons((uint16_t)port);
    return sizeof *a;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)ss;
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a->sin_port = htons((uint16_t)port);
  return sizeof *a;
}

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, int *port) {
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)iplen);
    *port = ntohs(a->sin6_port);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)iplen);
    *port = ntohs(a->sin_port);
  }
}

static void open_listener(int k) {
  int type = (KIND_TCP[k] ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  int fd = socket(KIND_V6[k] ? AF_INET6 : AF_INET, type, 0);
  if (fd < 0) die("socket(listener)");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (KIND_V6[k]) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (!KIND_TCP[k]) {
    /* A large receive buffer so the listener's view of datagrams is complete too. */
    int big = 32 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  struct sockaddr_storage ss;
  socklen_t len = loopback_addr(k, 0, &ss);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) die("bind(listener)");
  if (KIND_TCP[k] && listen(fd, 4096) != 0) die("listen");
  len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) die("getsockname(listener)");
  char ip[INET6_ADDRSTRLEN];
  addr_text(&ss, ip, sizeof ip, &listen_port[k]);
  listen_fd[k] = fd;
}

static void log_peer(int k, const struct sockaddr_storage *peer) {
  atomic_fetch_add(&seen[k], 1);
  if (!listener_log) return;
  char ip[INET6_ADDRSTRLEN] = "";
  int port = 0;
  addr_text(peer, ip, sizeof ip, &port);
  fprintf(listener_log, "{\"kind\":\"%s\",\"peer_ip\":\"%s\",\"peer_port\":%d}\n", KIND_NAME[k], ip, port);
}

/* Drains every ready listener until EAGAIN: accept+close for TCP, recvfrom for UDP. */
static void drain_listener(int k) {
  for (;;) {
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (KIND_TCP[k]) {
      int c = accept4(listen_fd[k], (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
      if (c < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      close(c);
    } else {
      char buf[64];
      ssize_t n = recvfrom(listen_fd[k], buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;
      }
    }
    log_peer(k, &peer);
  }
}

static void *listener_main(void *arg) {
  (void)arg;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  for (int k = 0; k < K_COUNT; k++) {
    if (listen_fd[k] < 0) continue;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)k};
    epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd[k], &ev);
  }
  struct epoll_event sev = {.events = EPOLLIN, .data.u32 = K_COUNT};
  epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &sev);
  for (;;) {
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, -1);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u32 == K_COUNT) {
        for (int k = 0; k < K_COUNT; k++) if (listen_fd[k] >= 0) drain_listener(k);
        close(ep);
        return NULL;
      }
      drain_listener((int)evs[i].data.u32);
    }
  }
}

/* Writes a JSON line with one write(): O_APPEND makes it land whole even with many writers. */
static int write_truth(int fd, int k, const struct sockaddr_storage *local, const struct sockaddr_storage *remote, int ok,
                       int err, int64_t mono, int64_t real) {
  char comm[17] = "";
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  for (char *c = comm; *c; c++)
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '?';
  char lip[INET6_ADDRSTRLEN] = "", rip[INET6_ADDRSTRLEN] = "";
  int lport = 0, rport = 0;
  addr_text(local, lip, sizeof lip, &lport);
  addr_text(remote, rip, sizeof rip, &rport);
  char line[512];
  int n = snprintf(line, sizeof line,
                   "{\"pid\":%d,\"ppid\":%d,\"comm\":\"%s\",\"kind\":\"%s\",\"transport\":\"%s\",\"family\":\"%s\","
                   "\"local_ip\":\"%s\",\"local_port\":%d,\"remote_ip\":\"%s\",\"remote_port\":%d,"
                   "\"ok\":%s,\"errno\":%d,\"mono_ns\":%lld,\"real_ns\":%lld}\n",
                   getpid(), getppid(), comm, KIND_NAME[k], KIND_TCP[k] ? "tcp" : "udp", KIND_V6[k] ? "ipv6" : "ipv4",
                   lip, lport, rip, rport, ok ? "true" : "false", err, (long long)mono, (long long)real);
  return write(fd, line, (size_t)n) == n ? 0 : -1;
}

/* The whole life of one child: one connection, one truth line, exit. */
static int child_connect(int k, int port, int truth_fd, int graceful) {
  int fd = socket(KIND_V6[k] ? AF_INET6 : AF_INET, KIND_TCP[k] ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) return EXIT_FAIL;
  struct sockaddr_storage remote, local;
  socklen_t rlen = loopback_addr(k, port, &remote);
  int ok, err = 0;
  if (KIND_TCP[k]) {
    ok = connect(fd, (struct sockaddr *)&remote, rlen) == 0;
  } else {
    static const char msg[] = "packettrail-loadgen";
    ok = sendto(fd, msg, sizeof msg - 1, 0, (struct sockaddr *)&remote, rlen) == (ssize_t)(sizeof msg - 1);
  }
  if (!ok) err = errno;
  int64_t mono = now_ns(CLOCK_MONOTONIC), real = now_ns(CLOCK_REALTIME);
  socklen_t llen = sizeof local;
  memset(&local, 0, sizeof local);
  if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0) local.ss_family = remote.ss_family;
  if (KIND_TCP[k] && ok && !graceful) {
    /* RST on close: no TIME_WAIT, so tens of thousands of connections do not exhaust ports. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  int wrote = write_truth(truth_fd, k, &local, &remote, ok, err, mono, real);
  close(fd);
  return ok && wrote == 0 ? EXIT_OK_BASE + k : EXIT_FAIL;
}

struct opts {
  double rate, seconds;
  long count, max_inflight;
  const char *truth, *listener_log, *mix;
  int exec_mode, graceful;
};

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --truth PATH [--rate N(0=max)] [--count N] [--seconds S] [--mix tcp4,tcp6,udp4]\n"
          "               [--listener-log PATH] [--max-inflight N] [--exec] [--graceful-close]\n");
  exit(2);
}

static struct opts parse_opts(int argc, char **argv) {
  struct opts o = {.rate = 100, .seconds = 0, .count = 0, .max_inflight = 256, .mix = "tcp4,tcp6,udp4"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--exec") == 0) { o.exec_mode = 1; continue; }
    if (strcmp(a, "--graceful-close") == 0) { o.graceful = 1; continue; }
    if (!v) usage();
    i++;
    if (strcmp(a, "--rate") == 0) o.rate = atof(v);
    else if (strcmp(a, "--seconds") == 0) o.seconds = atof(v);
    else if (strcmp(a, "--count") == 0) o.count = atol(v);
    else if (strcmp(a, "--max-inflight") == 0) o.max_inflight = atol(v);
    else if (strcmp(a, "--truth") == 0) o.truth = v;
    else if (strcmp(a, "--listener-log") == 0) o.listener_log = v;
    else if (strcmp(a, "--mix") == 0) o.mix = v;
    else usage();
  }
  if (!o.truth || (o.count <= 0 && o.seconds <= 0) || o.rate < 0 || o.max_inflight < 1) usage();
  return o;
}

int main(int argc, char **argv) {
  /* Internal: the exec'd child form, "loadgen --child KIND PORT TRUTHFD [graceful]". */
  if (argc >= 5 && strcmp(argv[1], "--child") == 0) {
    int k = parse_kind(argv[2]);
    if (k < 0) return EXIT_FAIL;
    return child_connect(k, atoi(argv[3]), atoi(argv[4]), argc >= 6 && strcmp(argv[5], "graceful") == 0);
  }
  struct opts o = parse_opts(argc, argv);

  int kinds[K_COUNT * 4], nkinds = 0;
  char mixbuf[128];
  snprintf(mixbuf, sizeof mixbuf, "%s", o.mix);
  for (char *save = NULL, *t = strtok_r(mixbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int k = parse_kind(t);
    if (k < 0 || nkinds >= (int)(sizeof kinds / sizeof kinds[0])) usage();
    kinds[nkinds++] = k;
  }
  if (nkinds == 0) usage();

  char self_exe[PATH_MAX];
  ssize_t el = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
  if (el < 0) die("readlink /proc/self/exe");
  self_exe[el] = 0;

  int truth_fd = open(o.truth, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
  if (truth_fd < 0) die("open truth");
  if (o.listener_log) {
    listener_log = fopen(o.listener_log, "we");
    if (!listener_log) die("open listener log");
  }
  for (int i = 0; i < nkinds; i++)
    if (listen_fd[kinds[i]] < 0) open_listener(kinds[i]);
  stop_fd = eventfd(0, EFD_CLOEXEC);
  if (stop_fd < 0) die("eventfd");
  pthread_t listener;
  if (pthread_create(&listener, NULL, listener_main, NULL) != 0) die("pthread_create");

  long spawned = 0, fork_failed = 0, inflight = 0, ok_total = 0, failed = 0, ok_kind[K_COUNT] = {0};
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  const int64_t deadline = o.seconds > 0 ? start + (int64_t)(o.seconds * 1e9) : INT64_MAX;
  const double interval_ns = o.rate > 0 ? 1e9 / o.rate : 0;
  char portbuf[16], fdbuf[16];
  snprintf(fdbuf, sizeof fdbuf, "%d", truth_fd);

  for (;;) {
    /* Reap whatever finished; block only when the in-flight cap is reached. */
    for (;;) {
      int st;
      pid_t p = waitpid(-1, &st, inflight >= o.max_inflight ? 0 : WNOHANG);
      if (p <= 0) break;
      inflight--;
      int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      if (code >= EXIT_OK_BASE && code < EXIT_OK_BASE + K_COUNT) { ok_total++; ok_kind[code - EXIT_OK_BASE]++; }
      else failed++;
    }
    if (o.count > 0 && spawned + fork_failed >= o.count) break;
    int64_t now = now_ns(CLOCK_MONOTONIC);
    if (now >= deadline) break;
    if (interval_ns > 0) {
      int64_t due = start + (int64_t)((double)(spawned + fork_failed) * interval_ns);
      if (due > now) {
        struct timespec ts = {.tv_sec = due / 1000000000LL, .tv_nsec = due % 1000000000LL};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        continue;
      }
    }
    int k = kinds[(spawned + fork_failed) % nkinds];
    pid_t pid = fork();
    if (pid < 0) { fork_failed++; continue; }
    if (pid == 0) {
      for (int j = 0; j < K_COUNT; j++) if (listen_fd[j] >= 0) close(listen_fd[j]);
      close(stop_fd);
      if (o.exec_mode) {
        snprintf(portbuf, sizeof portbuf, "%d", listen_port[k]);
        char *args[] = {"loadgen", "--child", (char *)KIND_NAME[k], portbuf, fdbuf, o.graceful ? "graceful" : "rst", NULL};
        execv(self_exe, args);
        _exit(EXIT_FAIL);
      }
      _exit(child_connect(k, listen_port[k], truth_fd, o.graceful));
    }
    spawned++;
    inflight++;
  }
  const int64_t spawn_end = now_ns(CLOCK_MONOTONIC);
  while (inflight > 0) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p < 0) break;
    inflight--;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (code >= EXIT_OK_BASE && code < EXIT_OK_BASE + K_COUNT) { ok_total++; ok_kind[code - EXIT_OK_BASE]++; }
    else failed++;
  }
  const int64_t end = now_ns(CLOCK_MONOTONIC);

  /* Give the listener up to 2 s to see every completed connection, then stop it. */
  for (int64_t until = end + 2000000000LL; now_ns(CLOCK_MONOTONIC) < until;) {
    int all = 1;
    for (int k = 0; k < K_COUNT; k++) if (atomic_load(&seen[k]) < ok_kind[k]) all = 0;
    if (all) break;
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
  uint64_t one = 1;
  if (write(stop_fd, &one, sizeof one) != sizeof one) die("write eventfd");
  pthread_join(listener, NULL);
  if (listener_log) fclose(listener_log);
  close(truth_fd);

  double spawn_s = (double)(spawn_end - start) / 1e9, total_s = (double)(end - start) / 1e9;
  printf("{\"pid\":%d,\"exe\":\"%s\",\"exec_mode\":%s,\"requested_rate\":%g,\"spawned\":%ld,\"fork_failed\":%ld,"
         "\"ok\":%ld,\"failed\":%ld,\"spawn_seconds\":%.6f,\"total_seconds\":%.6f,\"achieved_rate\":%.1f,"
         "\"ok_by_kind\":{\"tcp4\":%ld,\"tcp6\":%ld,\"udp4\":%ld,\"udp6\":%ld},"
         "\"seen_by_listener\":{\"tcp4\":%ld,\"tcp6\":%ld,\"udp4\":%ld,\"udp6\":%ld},"
         "\"ports\":{\"tcp4\":%d,\"tcp6\":%d,\"udp4\":%d,\"udp6\":%d}}\n",
         getpid(), self_exe, o.exec_mode ? "true" : "false", o.rate, spawned, fork_failed, ok_total, failed, spawn_s,
         total_s, spawn_s > 0 ? (double)spawned / spawn_s : 0.0, ok_kind[0], ok_kind[1], ok_kind[2], ok_kind[3],
         atomic_load(&seen[0]), atomic_load(&seen[1]), atomic_load(&seen[2]), atomic_load(&seen[3]), listen_port[0],
         listen_port[1], listen_port[2], listen_port[3]);
  return 0;
}
