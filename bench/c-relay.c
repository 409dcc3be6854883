/*
 * The bench's second baseline: the physical limit beside Roomwire on this machine. A minimal
 * relay in C, one thread, epoll (level-triggered), with per-turn output coalescing: every
 * line one epoll_wait batch produces for a client is appended to its output buffer, and each
 * buffer is written with one write() after the batch. The same subset of the protocol as
 * bench/baseline-relay.ts: `0:user:pw` -> `0:<id>`; `2:room` -> `2:<id>:room` to the joiner;
 * `2:-1`; `3:<mode>:payload` -> `3:<id>:payload` to the others (0, 2) or all (1, 3); over UDP
 * the bind `<id>:0:x` -> `0:<id>:connected` and `<id>:3:<mode>:payload` (one sendto per
 * recipient). Anything else is ignored. No limits, no logging, no metrics.
 *
 *   cc -O2 -o c-relay bench/c-relay.c && ./c-relay --host 127.0.0.1 --port 5000
 *
 * The bench compiles it into dist/bench/c-relay when a C compiler is there (bench/c-relay.ts).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE (1024 * 1024)
#define READ_CHUNK 65536
#define MAX_EVENTS 1024
#define ROOM_BUCKETS 4096

struct room;

struct client {
  int fd;
  int id;
  struct room *room;
  char *in;
  size_t in_len, in_cap;
  char *out;
  size_t out_len, out_cap;
  int dirty;
  int want_out;
  struct sockaddr_in udp;
  int udp_bound;
};

struct room {
  char *name;
  struct client **members;
  size_t count, cap;
  struct room *next;
};

static struct room *buckets[ROOM_BUCKETS];
static struct client **by_id;
static size_t by_id_cap;
static int next_id = 1;
static struct client **dirty;
static size_t dirty_len, dirty_cap;
static int epfd, udp_fd;
static volatile sig_atomic_t stopping;

static void *grow(void *ptr, size_t *cap, size_t need, size_t item) {
  if (need <= *cap) return ptr;
  size_t next = *cap == 0 ? 16 : *cap;
  while (next < need) next *= 2;
  void *out = realloc(ptr, next * item);
  if (out == NULL) {
    perror("realloc");
    exit(1);
  }
  *cap = next;
  return out;
}

static unsigned hash(const char *text, size_t len) {
  unsigned h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 16777619u;
  return h % ROOM_BUCKETS;
}

static void leave(struct client *c) {
  struct room *r = c->room;
  if (r == NULL) return;
  for (size_t i = 0; i < r->count; i++) {
    if (r->members[i] == c) {
      memmove(&r->members[i], &r->members[i + 1], (r->count - i - 1) * sizeof(*r->members));
      r->count--;
      break;
    }
  }
  c->room = NULL;
  if (r->count > 0) return;
  unsigned b = hash(r->name, strlen(r->name));
  for (struct room **p = &buckets[b]; *p != NULL; p = &(*p)->next) {
    if (*p == r) {
      *p = r->next;
      break;
    }
  }
  free(r->name);
  free(r->members);
  free(r);
}

static void join(struct client *c, const char *name, size_t len) {
  unsigned b = hash(name, len);
  struct room *r = buckets[b];
  while (r != NULL && !(strlen(r->name) == len && memcmp(r->name, name, len) == 0)) r = r->next;
  if (r == NULL) {
    r = calloc(1, sizeof(*r));
    r->name = strndup(name, len);
    r->next = buckets[b];
    buckets[b] = r;
  }
  r->members = grow(r->members, &r->cap, r->count + 1, sizeof(*r->members));
  r->members[r->count++] = c;
  c->room = r;
}

/* Appends to a client's output; it is written once the current epoll batch is handled. */
static void emit(struct client *c, const char *data, size_t len) {
  if (c->fd < 0) return;
  c->out = grow(c->out, &c->out_cap, c->out_len + len, 1);
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
  if (!c->dirty) {
    c->dirty = 1;
    dirty = grow(dirty, &dirty_cap, dirty_len + 1, sizeof(*dirty));
    dirty[dirty_len++] = c;
  }
}

static char frame[MAX_LINE + 64];

static void on_line(struct client *c, const char *line, size_t len) {
  if (len == 0) return;
  if (line[0] == '3' && len >= 4 && line[1] == ':' && c->room != NULL) {
    char mode = line[2];
    int with_sender = mode == '1' || mode == '3';
    int head = sprintf(frame, "3:%d:", c->id);
    memcpy(frame + head, line + 4, len - 4);
    size_t total = head + len - 4;
    frame[total++] = '\n';
    struct room *r = c->room;
    for (size_t i = 0; i < r->count; i++) {
      if (with_sender || r->members[i] != c) emit(r->members[i], frame, total);
    }
  } else if (line[0] == '0') {
    int n = sprintf(frame, "0:%d\n", c->id);
    emit(c, frame, n);
  } else if (line[0] == '2' && len >= 2 && line[1] == ':') {
    const char *name = line + 2;
    const char *colon = memchr(name, ':', len - 2);
    size_t name_len = colon == NULL ? len - 2 : (size_t)(colon - name);
    leave(c);
    if (name_len == 2 && memcmp(name, "-1", 2) == 0) return;
    join(c, name, name_len);
    int n = sprintf(frame, "2:%d:", c->id);
    memcpy(frame + n, name, name_len);
    n += name_len;
    frame[n++] = '\n';
    emit(c, frame, n);
  }
}

static void close_client(struct client *c) {
  if (c->fd < 0) return;
  leave(c);
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  by_id[c->id] = NULL;
  free(c->in);
  c->in = NULL;
  /* Freed after the batch, through the dirty list: later events of the batch may name it. */
  if (!c->dirty) {
    c->dirty = 1;
    dirty = grow(dirty, &dirty_cap, dirty_len + 1, sizeof(*dirty));
    dirty[dirty_len++] = c;
  }
}

static void set_out_interest(struct client *c, int want) {
  if (c->want_out == want) return;
  struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->want_out = want;
}

static void flush_client(struct client *c) {
  while (c->out_len > 0) {
    ssize_t n = write(c->fd, c->out, c->out_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_client(c);
      return;
    }
    memmove(c->out, c->out + n, c->out_len - n);
    c->out_len -= n;
  }
  set_out_interest(c, c->out_len > 0);
}

static void on_readable(struct client *c) {
  char chunk[READ_CHUNK];
  ssize_t n = read(c->fd, chunk, sizeof(chunk));
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    close_client(c);
    return;
  }
  if (n < 0) return;
  c->in = grow(c->in, &c->in_cap, c->in_len + n, 1);
  memcpy(c->in + c->in_len, chunk, n);
  c->in_len += n;
  size_t start = 0;
  for (;;) {
    char *nl = memchr(c->in + start, '\n', c->in_len - start);
    if (nl == NULL) break;
    size_t end = nl - c->in;
    size_t line_end = end > start && c->in[end - 1] == '\r' ? end - 1 : end;
    on_line(c, c->in + start, line_end - start);
    if (c->fd < 0) return;
    start = end + 1;
  }
  memmove(c->in, c->in + start, c->in_len - start);
  c->in_len -= start;
  if (c->in_len > MAX_LINE) close_client(c);
}

static void on_datagrams(void) {
  static char data[65536];
  static char out[65600];
  for (int budget = 0; budget < 256; budget++) {
    struct sockaddr_in from;
    socklen_t from_len = sizeof(from);
    ssize_t n = recvfrom(udp_fd, data, sizeof(data) - 1, 0, (struct sockaddr *)&from, &from_len);
    if (n < 0) return;
    char *colon = memchr(data, ':', n);
    if (colon == NULL || colon == data || colon + 2 >= data + n) continue;
    long id = strtol(data, NULL, 10);
    if (id <= 0 || (size_t)id >= by_id_cap || by_id[id] == NULL) continue;
    struct client *c = by_id[id];
    char type = colon[1];
    if (type == '0') {
      c->udp = from;
      c->udp_bound = 1;
      int len = sprintf(out, "0:%ld:connected", id);
      sendto(udp_fd, out, len, 0, (struct sockaddr *)&from, sizeof(from));
      continue;
    }
    if (type != '3' || !c->udp_bound || c->udp.sin_port != from.sin_port ||
        c->udp.sin_addr.s_addr != from.sin_addr.s_addr || c->room == NULL ||
        colon + 4 >= data + n)
      continue;
    char mode = colon[3];
    int with_sender = mode == '1' || mode == '3';
    const char *payload = colon + 5;
    size_t payload_len = data + n - payload;
    int head = sprintf(out, "3:%ld:", id);
    memcpy(out + head, payload, payload_len);
    struct room *r = c->room;
    for (size_t i = 0; i < r->count; i++) {
      struct client *m = r->members[i];
      if (m->udp_bound && (with_sender || m != c)) {
        sendto(udp_fd, out, head + payload_len, 0, (struct sockaddr *)&m->udp, sizeof(m->udp));
      }
    }
  }
}

static void on_stop(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 5000;
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "--host") == 0) host = argv[++i];
    else if (strcmp(argv[i], "--port") == 0) port = atoi(argv[++i]);
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, on_stop);
  signal(SIGTERM, on_stop);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  int listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listen_fd, 4096) < 0) {
    perror("tcp");
    return 1;
  }
  udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (bind(udp_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    perror("udp");
    return 1;
  }
  epfd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev);
  static int udp_tag;
  ev.data.ptr = &udp_tag;
  epoll_ctl(epfd, EPOLL_CTL_ADD, udp_fd, &ev);
  printf("c relay listening on %d\n", port);
  fflush(stdout);
  struct epoll_event events[MAX_EVENTS];
  while (!stopping) {
    int n = epoll_wait(epfd, events, MAX_EVENTS, 1000);
    for (int i = 0; i < n; i++) {
      void *tag = events[i].data.ptr;
      if (tag == NULL) {
        for (;;) {
          int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          struct client *c = calloc(1, sizeof(*c));
          c->fd = fd;
          c->id = next_id++;
          by_id = grow(by_id, &by_id_cap, (size_t)c->id + 1, sizeof(*by_id));
          by_id[c->id] = c;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &cev);
        }
      } else if (tag == &udp_tag) {
        on_datagrams();
      } else {
        struct client *c = tag;
        if (c->fd < 0) continue;
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
        if (c->fd >= 0 && (events[i].events & EPOLLOUT)) flush_client(c);
      }
    }
    /* The per-turn coalescing: one write per client that got output in this batch. */
    for (size_t i = 0; i < dirty_len; i++) {
      struct client *c = dirty[i];
      c->dirty = 0;
      if (c->fd < 0) {
        free(c->out);
        free(c);
        continue;
      }
      if (!c->want_out) flush_client(c);
    }
    dirty_len = 0;
  }
  return 0;
}
