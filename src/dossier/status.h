/* status: the national dossier statuses (1..10, as reported to the national
 * portal) and the internal workflow states that map onto them. */
#ifndef MOTCUA_STATUS_H
#define MOTCUA_STATUS_H

/* The national statuses (DOMAIN.md), with the value reported. */
enum dossier_status {
    STATUS_DRAFT = 0,       /* no national status yet: a draft */
    STATUS_SUBMITTED = 1,   /* Mới đăng ký */
    STATUS_ACCEPTED = 2,    /* Được tiếp nhận */
    STATUS_REFUSED = 3,     /* Không được tiếp nhận */
    STATUS_PROCESSING = 4,  /* Đang xử lý */
    STATUS_SUPPLEMENT = 5,  /* Yêu cầu bổ sung giấy tờ (the clock stops) */
    STATUS_PAYMENT = 6,     /* Yêu cầu thực hiện nghĩa vụ tài chính */
    STATUS_WITHDRAWN = 7,   /* Công dân yêu cầu rút hồ sơ */
    STATUS_STOPPED = 8,     /* Dừng xử lý */
    STATUS_DONE = 9,        /* Đã xử lý xong */
    STATUS_RETURNED = 10,   /* Đã trả kết quả */
};
#define STATUS_MAX STATUS_RETURNED

/* Vietnamese name of a national status code, or NULL if unknown. */
const char *status_name(int code);

/* National status code of an internal state; 0 for a draft or unknown. */
int status_of_state(const char *state);

#endif
