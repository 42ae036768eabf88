/*
 * The program an application builds against an installed liner (docs/install.md): it includes
 * <liner.h>, links libliner_broker, and sends one at-least-once message from one client to
 * another through a Redis server. ci/test.d/75-install.sh builds it outside the repository with
 * pkg-config and with CMake's find_package(liner).
 *
 * Run: hello_liner redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 * Exit status 0 when the message arrived, 1 when it did not, 2 without a Redis URL.
 */
#define _POSIX_C_SOURCE 200809L

#include <liner.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char GREETING[] = "hello from an installed liner";

static atomic_int greeted;

/* Runs on the listener's library thread; data is valid only during the call. */
static void on_message(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    (void)to;
    (void)from;
    (void)user_data;
    if (size == strlen(GREETING) && memcmp(data, GREETING, size) == 0) {
        atomic_store(&greeted, 1);
    }
}

static lnr_hClient new_client(const char *role, char *topic, size_t topic_size, const char *url)
{
    char name[64];
    snprintf(name, sizeof name, "hello_liner_%s_%ld", role, (long)getpid());
    snprintf(topic, topic_size, "hello_liner.%s.%ld", role, (long)getpid());
    lnr_hClient client = lnr_new_client_redis(name, topic, "127.0.0.1:0", url);
    if (client == NULL) {
        fprintf(stderr, "hello_liner: cannot create the %s (see the library's log line)\n", role);
        exit(1);
    }
    return client;
}

static int fail(lnr_hClient client, const char *what)
{
    fprintf(stderr, "hello_liner: %s failed: %s\n", what, lnr_last_error_message(client));
    return 1;
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : getenv("LINER_REDIS_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "usage: %s REDIS_URL (or set LINER_REDIS_URL)\n", argv[0]);
        return 2;
    }
    printf("liner %s\n", lnr_version());

    char listener_topic[96], sender_topic[96];
    lnr_hClient listener = new_client("listener", listener_topic, sizeof listener_topic, url);
    lnr_hClient sender = new_client("sender", sender_topic, sizeof sender_topic, url);
    if (!lnr_run(listener, on_message, NULL)) {
        return fail(listener, "lnr_run(listener)");
    }
    if (!lnr_run(sender, NULL, NULL)) {
        return fail(sender, "lnr_run(sender)");
    }
    if (!lnr_send_to(sender, listener_topic, GREETING, strlen(GREETING), true)) {
        return fail(sender, "lnr_send_to");
    }
    const struct timespec pause = { 0, 10 * 1000 * 1000 };
    for (int waited_ms = 0; !atomic_load(&greeted) && waited_ms < 20000; waited_ms += 10) {
        nanosleep(&pause, NULL);
    }
    lnr_delete_client(sender);
    lnr_delete_client(listener);
    if (!atomic_load(&greeted)) {
        fprintf(stderr, "hello_liner: the message did not arrive within 20 s\n");
        return 1;
    }
    printf("hello_liner: one message delivered\n");
    return 0;
}
