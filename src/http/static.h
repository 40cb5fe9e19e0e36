/* static: serves the web pages (web/) from the copy compiled into the
 * binary, or from --web DIR during development. "/" is web/index.html and
 * "/foo" is web/foo.html. No path is ever built from unchecked input: only
 * [A-Za-z0-9._-] segments, no "..", are looked up. /xac-thuc/{public_id}
 * is web/xac-thuc.html (404 with the same page for a malformed id). */
#ifndef MOTCUA_STATIC_H
#define MOTCUA_STATIC_H

struct req;

void static_serve(struct req *r);

#endif
