/*
 * fdpass: the few socket calls Node does not offer, for libvirt's file-descriptor passing on
 * unix sockets (a CALL_WITH_FDS / REPLY_WITH_FDS packet is followed by one 1-byte sendmsg per
 * fd, the fd riding on it as SCM_RIGHTS).
 *
 * Why native: libuv reads a stream socket with read(2), which makes the kernel drop (close)
 * any fd that rides on the bytes read, and Node exposes neither recvmsg nor sendmsg. So a
 * connection that may carry fds is read here instead: a uv_poll watcher on a dup of the socket
 * tells JavaScript when it is readable, and JavaScript reads with recvmsg, getting the bytes and
 * the fds together. Writes stay with Node; only the 1-byte fd carriers go out through sendFd.
 *
 * Exports:
 *   recv(fd, buffer) -> [n, fds]   n > 0 bytes read, 0 end of file, -errno (-EAGAIN: nothing yet)
 *   sendFd(fd, passFd) -> 1 | -errno
 *   sendWithFd(fd, buffer, passFd) -> bytes sent | -errno   (QMP getfd: the command carries the fd)
 *   socketpair() -> [a, b]
 *   watch(fd, callback) -> [handle, dupFd]   callback() whenever fd is readable; read dupFd,
 *                                            which stays valid until unwatch (the caller's fd may be closed first)
 *   unwatch(handle)
 *   closeFd(fd)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define MAX_FDS 16

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static int arg_int(napi_env env, napi_value v, int *out) {
  int32_t x;
  if (napi_get_value_int32(env, v, &x) != napi_ok) {
    napi_throw_type_error(env, NULL, "fdpass: expected an integer");
    return -1;
  }
  *out = x;
  return 0;
}

static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd;
  void *data;
  size_t len;
  if (argc < 2 || arg_int(env, argv[0], &fd) < 0) return NULL;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "fdpass.recv: expected a Buffer");
    return NULL;
  }
  struct iovec iov = { data, len };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)]; } ctl;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl.buf;
  msg.msg_controllen = sizeof ctl.buf;
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  napi_value out, fds;
  napi_create_array_with_length(env, 2, &out);
  napi_create_array(env, &fds);
  uint32_t nfds = 0;
  if (n >= 0) {
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int *p = (int *)CMSG_DATA(c);
      for (size_t i = 0; i < k; i++) napi_set_element(env, fds, nfds++, num(env, p[i]));
    }
  }
  napi_set_element(env, out, 0, num(env, n >= 0 ? (double)n : -(double)errno));
  napi_set_element(env, out, 1, fds);
  return out;
}

static ssize_t send_with_fd(int fd, const void *data, size_t len, int pass) {
  struct iovec iov = { (void *)data, len };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  memset(&ctl, 0, sizeof ctl);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl.buf;
  msg.msg_controllen = sizeof ctl.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &pass, sizeof(int));
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

static napi_value js_send_fd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd, pass;
  if (argc < 2 || arg_int(env, argv[0], &fd) < 0 || arg_int(env, argv[1], &pass) < 0) return NULL;
  static const char zero = 0;
  return num(env, (double)send_with_fd(fd, &zero, 1, pass));
}

static napi_value js_send_with_fd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd, pass;
  void *data;
  size_t len;
  if (argc < 3 || arg_int(env, argv[0], &fd) < 0 || arg_int(env, argv[2], &pass) < 0) return NULL;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || len == 0) {
    napi_throw_type_error(env, NULL, "fdpass.sendWithFd: expected a non-empty Buffer");
    return NULL;
  }
  return num(env, (double)send_with_fd(fd, data, len, pass));
}

static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_value out;
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, num(env, sv[0]));
  napi_set_element(env, out, 1, num(env, sv[1]));
  return out;
}

static napi_value js_close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd;
  if (argc < 1 || arg_int(env, argv[0], &fd) < 0) return NULL;
  return num(env, close(fd) < 0 ? -errno : 0);
}

/* ------------------------------------------------------------------ readability watcher */

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context ctx;
  int fd; /* the dup we watch and own */
  int stopped;
} watcher_t;

static void on_closed(uv_handle_t *h) {
  watcher_t *w = (watcher_t *)h->data;
  close(w->fd);
  free(w);
}

static void on_readable(uv_poll_t *p, int status, int events) {
  (void)status; (void)events;
  watcher_t *w = (watcher_t *)p->data;
  if (w->stopped) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, ret;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv); /* make_callback wants an object as `this` */
  /* make_callback runs the microtasks the callback queued, as an I/O callback does */
  if (napi_make_callback(env, w->ctx, recv, cb, 0, NULL, &ret) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(env, &e);
    napi_fatal_exception(env, e);
  }
  napi_close_handle_scope(env, scope);
}

static void stop_watcher(napi_env env, watcher_t *w) {
  if (w->stopped) return;
  w->stopped = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->ctx);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd;
  if (argc < 2 || arg_int(env, argv[0], &fd) < 0) return NULL;
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "fdpass.watch: no event loop");
    return NULL;
  }
  /* a dup: libuv allows one watcher per fd number, and Node's own handle keeps the original */
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (d < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  watcher_t *w = calloc(1, sizeof *w);
  w->env = env;
  w->fd = d;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_value name;
  napi_create_string_utf8(env, "tsvirt.fdpass", NAPI_AUTO_LENGTH, &name);
  napi_value resource;
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &w->ctx);
  uv_poll_init(loop, &w->poll, d);
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_readable);
  napi_value ext, out;
  napi_create_external(env, w, NULL, NULL, &ext);
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, ext);
  napi_set_element(env, out, 1, num(env, d));
  return out;
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  watcher_t *w;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&w) != napi_ok) {
    napi_throw_type_error(env, NULL, "fdpass.unwatch: expected a watch handle");
    return NULL;
  }
  stop_watcher(env, w);
  return NULL;
}

/* pause/resume a watcher (back-pressure) without giving it up */
static napi_value js_set_watching(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  watcher_t *w;
  bool on;
  if (argc < 2 || napi_get_value_external(env, argv[0], (void **)&w) != napi_ok || napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "fdpass.setWatching: expected a watch handle and a boolean");
    return NULL;
  }
  if (!w->stopped) {
    if (on) uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_readable);
    else uv_poll_stop(&w->poll);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "recv", NULL, js_recv, NULL, NULL, NULL, napi_default, NULL },
    { "sendFd", NULL, js_send_fd, NULL, NULL, NULL, napi_default, NULL },
    { "sendWithFd", NULL, js_send_with_fd, NULL, NULL, NULL, napi_default, NULL },
    { "socketpair", NULL, js_socketpair, NULL, NULL, NULL, napi_default, NULL },
    { "closeFd", NULL, js_close_fd, NULL, NULL, NULL, napi_default, NULL },
    { "watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL },
    { "unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_default, NULL },
    { "setWatching", NULL, js_set_watching, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
