/* status: the national dossier statuses (1..10, as reported to the national
 * portal) and the internal workflow states that map onto them. */
#ifndef MOTCUA_STATUS_H
#define MOTCUA_STATUS_H

/* Vietnamese name of a national status code, or NULL if unknown. */
const char *status_name(int code);

/* National status code of an internal state; 0 for a draft or unknown. */
int status_of_state(const char *state);

#endif
