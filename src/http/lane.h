/* lane: one request at a time per key, the others waiting their turn in
 * order. Issuing an official document stamps the register's next number on
 * the PDF and seals it before the write job takes the number; two clerks of
 * one unit doing that at once stamp the same number, one wins and the other
 * starts again (docs/performance.md, "Issuing documents"). A lane per unit
 * makes each issue find its number free. The lanes are shared by every
 * loop thread. */
#ifndef MOTCUA_HTTP_LANE_H
#define MOTCUA_HTTP_LANE_H

#include <stdint.h>

struct req;

#define LANE_KEYS 64  /* keys with a lane at once; past that, requests go unqueued */
#define LANE_WAIT 64  /* requests waiting on one key; past that, the caller answers busy */

enum lane_entry { LANE_TAKEN, LANE_PARKED, LANE_NONE, LANE_FULL };

/* Enters the lane of key for r: LANE_TAKEN (r holds it: go on, and call
 * lane_leave(key) when r ends), LANE_PARKED (r waits: on_turn(r) runs on
 * r's loop when the lane is handed to it, r then holds it), LANE_NONE (no
 * lane free for a new key: go on without one, holding nothing), LANE_FULL
 * (too many waiting: answer busy). */
enum lane_entry lane_enter(int64_t key, struct req *r, void (*on_turn)(struct req *r));

/* The holder of key's lane is done: the lane goes to the first waiting
 * request (resumed on its loop), or is freed. */
void lane_leave(int64_t key);

#endif
