/*
 * A liner client whose counters are scraped by Prometheus: a tiny HTTP/1.0 server on plain
 * sockets answers GET /metrics with lnr_metrics_text (the Prometheus text format).
 *
 * Run: build/metrics_http REDIS_URL PORT [REQUESTS]
 *   PORT      loopback port to serve on; 0 picks a free one. The program prints
 *             "metrics_http: serving http://127.0.0.1:PORT/metrics ..." when it listens.
 *   REQUESTS  exit after answering that many requests (for tests); without it the program
 *             serves until SIGINT or SIGTERM.
 * Then: curl http://127.0.0.1:PORT/metrics
 *
 * Before serving, a second client sends the listener a few messages, so the counters show
 * traffic. examples/c/check_metrics_http.py runs this program and checks what it serves.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common.h"

enum { WARM_UP_MESSAGES = 10 };

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

static void on_message(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    (void)to;
    (void)from;
    (void)data;
    (void)size;
    atomic_fetch_add((atomic_int *)user_data, 1);
}

/* Writes all of data; false when the peer went away. */
static bool write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t written = write(fd, data, size); /* SIGPIPE is ignored: EPIPE instead */
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return false;
        }
        data += written;
        size -= (size_t)written;
    }
    return true;
}

static void respond(int fd, const char *status, const char *content_type, const char *body,
                    size_t body_size)
{
    char head[256];
    int head_size = snprintf(head, sizeof head,
                             "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n",
                             status, content_type, body_size);
    if (write_all(fd, head, (size_t)head_size)) {
        write_all(fd, body, body_size);
    }
}

/* The metrics text of h: first into a stack buffer; when lnr_metrics_text says it needs
 * more (it returns the full length, like snprintf, and leaves ""), into a heap buffer of
 * that size plus headroom, since counters may grow a digit between the two calls. */
static void serve_metrics(int fd, lnr_hClient h)
{
    char stack_buffer[8192];
    char *text = stack_buffer;
    size_t cap = sizeof stack_buffer;
    long long length = lnr_metrics_text(h, text, cap);
    if (length >= (long long)cap) {
        cap = (size_t)length + 1 + 256;
        text = malloc(cap);
        length = text != NULL ? lnr_metrics_text(h, text, cap) : -1;
    }
    if (length < 0 || length >= (long long)cap) {
        const char *why = "metrics unavailable\n";
        respond(fd, "500 Internal Server Error", "text/plain", why, strlen(why));
    } else {
        respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text, (size_t)length);
    }
    if (text != stack_buffer) {
        free(text);
    }
}

/* Reads the request head (up to the blank line) and answers it. */
static void handle_connection(int fd, lnr_hClient h)
{
    struct timeval timeout = { 5, 0 }; /* a silent client does not hold the server */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char request[2048];
    size_t used = 0;
    while (used < sizeof request - 1) {
        ssize_t got = read(fd, request + used, sizeof request - 1 - used);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        used += (size_t)got;
        request[used] = '\0';
        if (strstr(request, "\r\n\r\n") != NULL || strstr(request, "\n\n") != NULL) {
            break;
        }
    }
    request[used] = '\0';

    const char *not_found = "try GET /metrics\n";
    if (strncmp(request, "GET ", 4) != 0) {
        const char *why = "only GET\n";
        respond(fd, "405 Method Not Allowed", "text/plain", why, strlen(why));
    } else if (strncmp(request + 4, "/metrics ", 9) == 0 ||
               strncmp(request + 4, "/metrics\r", 9) == 0) {
        serve_metrics(fd, h);
    } else {
        respond(fd, "404 Not Found", "text/plain", not_found, strlen(not_found));
    }
}

/* A listening socket on 127.0.0.1:port (0 = any free port); exits on failure. */
static int listen_on_loopback(long port, unsigned *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        die(NULL, "socket: %s", strerror(errno));
    }
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0) {
        die(NULL, "cannot listen on 127.0.0.1:%ld: %s", port, strerror(errno));
    }
    socklen_t size = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &size);
    *bound_port = ntohs(addr.sin_port);
    return fd;
}

/* Sends the listener WARM_UP_MESSAGES messages from a second client; exits on failure. */
static void send_warm_up(const char *listener_topic, atomic_int *received, const char *redis_url)
{
    char name[64], topic[64];
    unique_name(name, sizeof name, "metrics_sender");
    unique_name(topic, sizeof topic, "metrics_http.sender");
    lnr_hClient sender = new_client_or_die(name, topic, redis_url);
    if (!lnr_run(sender, NULL, NULL)) {
        die(sender, "lnr_run(sender)");
    }
    for (int n = 0; n < WARM_UP_MESSAGES; n++) {
        if (!lnr_send_to(sender, listener_topic, "tick", 4, true)) {
            die(sender, "lnr_send_to #%d", n);
        }
    }
    if (!wait_for_count(received, WARM_UP_MESSAGES, 20000)) {
        die(NULL, "only %d of %d messages arrived", atomic_load(received), WARM_UP_MESSAGES);
    }
    lnr_delete_client(sender);
}

static long number_arg(const char *text, const char *what, long max)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 0 || value > max) {
        fprintf(stderr, "metrics_http: %s must be a number in 0..%ld, not '%s'\n", what, max,
                text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s REDIS_URL PORT [REQUESTS]   (PORT 0: any free port)\n",
                argv[0]);
        return 2;
    }
    const char *redis_url = argv[1];
    long port = number_arg(argv[2], "PORT", 65535);
    long requests_left = argc == 4 ? number_arg(argv[3], "REQUESTS", 1000000) : -1;

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal; /* no SA_RESTART: accept() returns EINTR */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    action.sa_handler = SIG_IGN; /* a scraper that hangs up must not kill the server */
    sigaction(SIGPIPE, &action, NULL);

    char name[64], topic[64];
    unique_name(name, sizeof name, "metrics_listener");
    unique_name(topic, sizeof topic, "metrics_http.listener");
    atomic_int received = 0;
    lnr_hClient listener = new_client_or_die(name, topic, redis_url);
    if (!lnr_run(listener, on_message, &received)) {
        die(listener, "lnr_run(listener)");
    }
    send_warm_up(topic, &received, redis_url);

    unsigned bound_port = 0;
    int server = listen_on_loopback(port, &bound_port);
    printf("metrics_http: serving http://127.0.0.1:%u/metrics for %s on topic %s "
           "(%d messages delivered)\n",
           bound_port, name, topic, atomic_load(&received));
    fflush(stdout);

    while (!stop_requested && requests_left != 0) {
        int connection = accept(server, NULL, NULL);
        if (connection < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            die(NULL, "accept: %s", strerror(errno));
        }
        handle_connection(connection, listener);
        close(connection);
        if (requests_left > 0) {
            requests_left--;
        }
    }
    close(server);
    lnr_delete_client(listener);
    return 0;
}
