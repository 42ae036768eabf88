/*
 * Three peers, each sending to the two others: every peer receives exactly the messages
 * meant for it, once, and the messages of each sender in the order they were sent.
 *
 * Run: build/many_to_many redis://127.0.0.1:PORT/   (or set LINER_REDIS_URL)
 * Exit status 0 when every count and order check holds.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "common.h"

enum { PEERS = 3, PER_PAIR = 200 };

struct peer {
    char topic[64];
    lnr_hClient client;
    atomic_int received;
    atomic_int next_from[PEERS]; /* next message number expected from each sender */
    atomic_int out_of_order;
};

/* Runs on the peer's library thread. Payload: "<sender index> <message number>". */
static void on_message(const char *to, const char *from, const char *data, size_t size,
                       lnr_uData user_data)
{
    struct peer *self = user_data;
    char text[32];
    int sender = -1, n = -1;
    (void)to;
    (void)from;
    if (size < sizeof text) {
        memcpy(text, data, size);
        text[size] = '\0';
        sscanf(text, "%d %d", &sender, &n);
    }
    if (sender < 0 || sender >= PEERS || n != atomic_load(&self->next_from[sender])) {
        atomic_fetch_add(&self->out_of_order, 1);
    } else {
        atomic_fetch_add(&self->next_from[sender], 1);
    }
    atomic_fetch_add(&self->received, 1);
}

int main(int argc, char **argv)
{
    const char *redis_url = redis_url_from(argc, argv);
    static struct peer peers[PEERS];
    char name[64];
    for (int i = 0; i < PEERS; i++) {
        unique_name(name, sizeof name, "node");
        unique_name(peers[i].topic, sizeof peers[i].topic, "many_to_many.peer");
        peers[i].client = new_client_or_die(name, peers[i].topic, redis_url);
        if (!lnr_run(peers[i].client, on_message, &peers[i])) {
            die(peers[i].client, "lnr_run(peer %d)", i);
        }
    }

    for (int i = 0; i < PEERS; i++) {
        for (int j = 0; j < PEERS; j++) {
            for (int n = 0; j != i && n < PER_PAIR; n++) {
                char message[32];
                int length = snprintf(message, sizeof message, "%d %d", i, n);
                if (!lnr_send_to(peers[i].client, peers[j].topic, message, (size_t)length,
                                 true)) {
                    die(peers[i].client, "lnr_send_to %d -> %d #%d", i, j, n);
                }
            }
        }
    }

    const int expected = PER_PAIR * (PEERS - 1);
    bool ok = true;
    for (int i = 0; i < PEERS; i++) {
        ok = wait_for_count(&peers[i].received, expected, 20000) && ok;
    }
    sleep_ms(100); /* a duplicate would show up by now */
    for (int i = 0; i < PEERS; i++) {
        lnr_delete_client(peers[i].client);
    }
    for (int i = 0; i < PEERS; i++) {
        int got = atomic_load(&peers[i].received);
        int disorder = atomic_load(&peers[i].out_of_order);
        if (got != expected || disorder != 0) {
            fprintf(stderr, "many_to_many: FAILED: peer %d received %d of %d, %d out of order\n",
                    i, got, expected, disorder);
            ok = false;
        }
    }
    if (!ok) {
        return 1;
    }
    printf("many_to_many: %d peers, each got %d messages once, in order per sender\n", PEERS,
           expected);
    return 0;
}
