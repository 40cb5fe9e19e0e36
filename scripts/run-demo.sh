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
tail -n +2 data/demo-accounts.csv | while IFS=, read -r kind login name _ _ password role unit secret; do
  if [[ $kind == citizen ]]; then
    printf '    công dân   số định danh %-20s mật khẩu %s  (%s)\n' "$login" "$password" "$name"
  fi
done
cat <<MSG

  Tài khoản cán bộ mẫu (demo officers; password + one-time code):
MSG
tail -n +2 data/demo-accounts.csv | while IFS=, read -r kind login name _ _ password role unit secret; do
  if [[ $kind == staff ]]; then
    printf '    cán bộ     %-24s mật khẩu %s  (%s, %s tại %s)\n' "$login" "$password" "$name" "$role" "$unit"
    printf '               khóa TOTP %s\n' "$secret"
  fi
done
cat <<MSG

  Mã xác thực 6 số: thêm khóa TOTP vào ứng dụng xác thực, hoặc chạy
    build/motcua user totp-code --data $data --login LOGIN
MSG
cat <<MSG

  Chữ ký số dùng CA thử nghiệm "motcua DEMO Root CA (không dùng thật)" (build/motcua key list --data $data).
  Thanh toán trực tuyến dùng cổng thanh toán thử nghiệm tại /test-gateway/: không có tiền
  thật (online payment goes through the local test gateway; no money moves).
  Đi hết một hồ sơ từ lúc nộp đến khi đánh giá: docs/walkthrough.md

  Dữ liệu nằm trong $data (xoá thư mục này để bắt đầu lại). Ctrl+C để dừng.

MSG
# The demo pays through the built-in test gateway; a real deployment sets
# --payment-config and MOTCUA_PAYMENT_SECRET instead (docs/payments.md).
exec build/motcua serve --data "$data" --listen "$listen" --test-gateway
