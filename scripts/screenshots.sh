#!/bin/sh
# Takes a PNG of every screen of the terminal app under Xvfb, in Chinese, into
# docs/screenshots/. Needs xvfb, x11-apps (xwd) and netpbm (make screenshots
# installs them). Each screen is a fresh --demo run.
set -eu
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
go build -o /tmp/lawtrail-shots .
display=:97
Xvfb $display -screen 0 1280x1280x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
shoot() { # name, width, height, seconds to wait, args…
	name=$1; width=$2; height=$3; wait=$4; shift 4
	DISPLAY=$display LANG=zh_CN.UTF-8 /tmp/lawtrail-shots --size "${width}x${height}" "$@" >/dev/null 2>&1 &
	app=$!
	sleep "$wait"
	DISPLAY=$display xwd -root -silent | xwdtopnm 2>/dev/null | pnmcut -left 0 -top 0 -width "$width" -height "$height" | pnmtopng > "$out/$name.png"
	kill $app 2>/dev/null || true
	wait $app 2>/dev/null || true
	echo "$out/$name.png"
}
fresh=$(mktemp -d)
shoot firstrun 1024 720 4 --data "$fresh/data"
rm -rf "$fresh"
for tab in dock evidence cases card sync settings officers; do
	shoot "$tab" 1024 720 9 --demo --tab "$tab"
done
# legal review: 王五's desk on the demo's submitted decision, and 张三's view of that case
shoot review 1024 720 10 --demo --tab review
shoot casereview 800 1280 12 --demo --tab casereview
# 直播: the live window over the case screen (the test pattern, recording only)
shoot live 640 600 16 --demo --tab live
# the 现场笔录 being filled (its own window over the case screen)
shoot document 800 900 10 --demo --tab document
# a 10-inch tablet held upright
shoot cases-portrait 800 1280 9 --demo --tab cases
shoot card-portrait 800 1280 9 --demo --tab card
# the hub's public pages (phone and desktop width) and the supervision
# console, in Debian's Chromium with the bundled CJK font (fontconfig reads
# assets/fonts through a config of its own), from the end-to-end web test
fonts=$(mktemp -d)
cat > "$fonts/fonts.conf" <<CONF
<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>$(pwd)/assets/fonts</dir><cachedir>$fonts/cache</cachedir></fontconfig>
CONF
FONTCONFIG_FILE="$fonts/fonts.conf" LAWTRAIL_WEB_SCREENSHOTS="$(pwd)/$out" \
	go test -count=1 -run '^(TestPublicWebAndConsole|TestLiveInBrowser)$' ./cmd/lawtrailctl/ >/dev/null
rm -rf "$fonts"
ls "$out"/web-*.png "$out"/console*.png
