#!/usr/bin/env bash
# `make run`: installs what is missing, builds, prepares ./var with the
# embedded SQLite database and the Thanh Hóa demo data, and serves it.
set -euo pipefail
cd "$(dirname "$0")/.."

listen=${MOTCUA_LISTEN:-127.0.0.1:8080}
data=${MOTCUA_DATA:-var}

scripts/install-deps.sh build
make -j"$(nproc)" >/dev/null
build/motcua init --data "$data" --demo

cat <<MSG

  motcua đang chạy tại  http://$listen/   (motcua is serving at http://$listen/)

  Tài khoản công dân mẫu (demo citizen logins):
MSG
# The demo accounts are data: list them from the file the database was seeded from.
tail -n +2 data/demo-accounts.csv | while IFS=, read -r kind login name _ _ password role unit; do
  if [[ $kind == citizen ]]; then
    printf '    %-9s số định danh %-14s mật khẩu %-12s (%s)\n' "$kind" "$login" "$password" "$name"
  else
    printf '    %-9s tên đăng nhập %-13s mật khẩu %-12s (%s, %s)\n' "$kind" "$login" "$password" "$role" "$unit"
  fi
done
cat <<MSG

  Dữ liệu nằm trong ./$data (xoá thư mục này để bắt đầu lại). Ctrl+C để dừng.

MSG
exec build/motcua serve --data "$data" --listen "$listen"
