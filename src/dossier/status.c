/* status: national status codes (DOMAIN.md) and the state mapping. */
#include "dossier/status.h"

#include <string.h>

#include "base/util.h"

static const char *const names[] = {
    [1] = "Mới đăng ký",
    [2] = "Được tiếp nhận",
    [3] = "Không được tiếp nhận",
    [4] = "Đang xử lý",
    [5] = "Yêu cầu bổ sung giấy tờ",
    [6] = "Yêu cầu thực hiện nghĩa vụ tài chính",
    [7] = "Công dân yêu cầu rút hồ sơ",
    [8] = "Dừng xử lý",
    [9] = "Đã xử lý xong",
    [10] = "Đã trả kết quả",
};

static const struct {
    const char *state;
    int code;
} states[] = {
    {"draft", 0},
    {"submitted", 1},
    {"withdrawn", 7},
};

const char *status_name(int code)
{
    return code >= STATUS_SUBMITTED && code <= STATUS_MAX ? names[code] : NULL;
}

int status_of_state(const char *state)
{
    for (size_t i = 0; i < ARRAY_LEN(states); i++)
        if (strcmp(states[i].state, state) == 0)
            return states[i].code;
    return 0;
}
