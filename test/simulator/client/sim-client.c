/*
 * The simulated host's cheap client: what bin/dokku runs instead of a fresh Node process for a Dokku
 * core command, and bin/docker for the docker shim. It hands its argv, environment, cwd and pid to
 * the core server inside the simulator process (core/server.ts) over an abstract unix socket, relays
 * the command's stdout/stderr, gives it stdin only when the command asks for it, forwards a SIGHUP
 * as a hangup frame, and exits with the command's exit code. It stays alive exactly as long as the
 * command runs in the server, so the bin/dokku bash above it (DOKKU_PID) lives as long as the
 * command did when it was a process of its own.
 *
 *   sim-client <socket-name> <kind> [args...]      kind: core | docker
 *
 * Frames, both ways: 1 byte type, 4 bytes big-endian length, payload.
 *   client -> server: H header (pid \0 cwd \0 kind \0 argc \0 argv... \0 env...), I stdin data,
 *                     E stdin EOF, U hangup
 *   server -> client: O stdout data, R stderr data, W wants stdin, X exit (4-byte code)
 * The protocol and its Node twin (client/sim-client.ts) are described in test/simulator/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static int hup_pipe[2] = {-1, -1};

static void on_hup(int sig) {
  (void)sig;
  int saved = errno;
  if (write(hup_pipe[1], "h", 1) < 0) { /* the pipe is full: a hangup is already pending */ }
  errno = saved;
}

static void die(const char *what) {
  fprintf(stderr, " !     simulator: %s: %s (is the simulator serving this host still running?)\n", what, strerror(errno));
  exit(1);
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static void send_frame(int sock, char type, const void *data, uint32_t len) {
  unsigned char head[5] = {(unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
  /* A server that went away shows up as EOF on the next read; nothing to do here. */
  if (write_all(sock, head, 5) == 0 && len > 0) write_all(sock, data, len);
}

/* A growable buffer for the header. */
static char *hbuf;
static size_t hlen, hcap;
static void put(const char *s) {
  size_t n = strlen(s) + 1;
  if (hlen + n > hcap) {
    hcap = (hlen + n) * 2;
    hbuf = realloc(hbuf, hcap);
    if (!hbuf) die("out of memory");
  }
  memcpy(hbuf + hlen, s, n);
  hlen += n;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sim-client <socket-name> <kind> [args...]\n");
    return 2;
  }
  /* bin/dokku ignores SIGHUP (trap '' HUP) and ignored dispositions survive exec: install our own. */
  if (pipe(hup_pipe) < 0) die("pipe");
  fcntl(hup_pipe[1], F_SETFL, O_NONBLOCK);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t name_len = strlen(argv[1]);
  if (name_len + 1 > sizeof addr.sun_path) {
    fprintf(stderr, " !     simulator: socket name too long\n");
    return 1;
  }
  memcpy(addr.sun_path + 1, argv[1], name_len); /* abstract namespace: leading NUL, no file */
  /* An abstract name is all of its bytes: Node 20 (libuv) binds the whole zero-padded sun_path,
   * newer ones just the name. Try both. */
  socklen_t lengths[2] = {(socklen_t)sizeof addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + name_len)};
  int sock = -1;
  for (int i = 0; i < 2 && sock < 0; i++) {
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) die("socket");
    if (connect(sock, (struct sockaddr *)&addr, lengths[i]) < 0) {
      int saved = errno;
      close(sock);
      sock = -1;
      errno = saved;
    }
  }
  if (sock < 0) die("cannot reach the simulated host's core server");

  char num[32];
  snprintf(num, sizeof num, "%ld", (long)getpid());
  put(num);
  char cwd[4096];
  put(getcwd(cwd, sizeof cwd) ? cwd : "/");
  put(argv[2]);
  snprintf(num, sizeof num, "%d", argc - 3);
  put(num);
  for (int i = 3; i < argc; i++) put(argv[i]);
  for (char **e = environ; *e; e++) put(*e);
  send_frame(sock, 'H', hbuf, (uint32_t)hlen);
  free(hbuf);

  int want_stdin = 0, stdin_done = 0, out_ok = 1, err_ok = 1;
  unsigned char head[5];
  size_t head_got = 0;
  char *body = NULL;
  uint32_t body_len = 0, body_got = 0;
  static char buf[65536];

  for (;;) {
    struct pollfd fds[3];
    int n = 0;
    fds[n++] = (struct pollfd){.fd = sock, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = hup_pipe[0], .events = POLLIN};
    int stdin_slot = -1;
    if (want_stdin && !stdin_done) {
      stdin_slot = n;
      fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[1].revents & POLLIN) {
      char drain[64];
      if (read(hup_pipe[0], drain, sizeof drain) > 0) send_frame(sock, 'U', NULL, 0);
    }
    if (stdin_slot >= 0 && fds[stdin_slot].revents) {
      ssize_t got = read(0, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        stdin_done = 1;
        send_frame(sock, 'E', NULL, 0);
      } else {
        send_frame(sock, 'I', buf, (uint32_t)got);
      }
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t got;
    if (head_got < 5) {
      got = read(sock, head + head_got, 5 - head_got);
    } else {
      got = read(sock, body + body_got, body_len - body_got);
    }
    if (got < 0) {
      if (errno == EINTR) continue;
      got = 0;
    }
    if (got == 0) {
      fprintf(stderr, " !     simulator: the core server went away before the command ended (simulator stopped?)\n");
      return 1;
    }
    if (head_got < 5) {
      head_got += (size_t)got;
      if (head_got < 5) continue;
      body_len = ((uint32_t)head[1] << 24) | ((uint32_t)head[2] << 16) | ((uint32_t)head[3] << 8) | head[4];
      body_got = 0;
      free(body);
      body = malloc(body_len ? body_len : 1);
      if (!body) die("out of memory");
      if (body_len > 0) continue;
    } else {
      body_got += (uint32_t)got;
      if (body_got < body_len) continue;
    }
    /* A whole frame. */
    head_got = 0;
    switch (head[0]) {
      case 'O':
        /* EPIPE: the reader went away; drop the output and wait for the exit, as a Dokku deploy does. */
        if (out_ok && write_all(1, body, body_len) < 0) out_ok = 0;
        break;
      case 'R':
        if (err_ok && write_all(2, body, body_len) < 0) err_ok = 0;
        break;
      case 'W':
        want_stdin = 1;
        break;
      case 'X': {
        int code = body_len >= 4 ? (int)(((uint32_t)(unsigned char)body[0] << 24) | ((uint32_t)(unsigned char)body[1] << 16) | ((uint32_t)(unsigned char)body[2] << 8) | (unsigned char)body[3]) : 1;
        return code & 0xff;
      }
      default:
        break;
    }
  }
}
