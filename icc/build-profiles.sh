#!/bin/sh
# Rebuild the two output profiles exactly as committed (ArgyllCMS 2.3.1, Debian 12).
#   apt-get install -y icc-profiles-free argyll
# colprof writes the build date/time into the ICC header (bytes 24-35), so a rebuild
# differs from the committed file only there; every tag is byte-identical (checked).
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cp /usr/share/color/icc/FOGRA39L.ti3 /usr/share/color/icc/TR006.ti3 /usr/share/color/argyll/ref/sRGB.icm "$work"
cd "$work"
colprof -v \
  -D "FOGRA39 (ISO 12647-2 coated) 300% TAC, built with ArgyllCMS colprof from FOGRA39L.ti3" \
  -C "Made from Fogra FOGRA39L.ti3 characterization data (Debian icc-profiles-free, Zlib) with ArgyllCMS 2.3.1 colprof; no further rights claimed" \
  -A "Fogra characterization data" -M "FOGRA39" \
  -qm -kr -l300 -L100 -nc -S sRGB.icm -cmt -dpp \
  -O "$here/FOGRA39-booklet.icc" FOGRA39L
colprof -v \
  -D "GRACoL2006 Coated1 (CGATS TR 006, ISO 12647-2 PT1) 300% TAC, built with ArgyllCMS colprof from TR006.ti3" \
  -C "Characterization data: ANSI CGATS/GRACoL TR 006-2007 (Copyright 2007 NPES), source of data; profile made with ArgyllCMS 2.3.1 colprof" \
  -A "CGATS TR 006 characterization data" -M "CGATS TR 006" \
  -qm -kr -l300 -L100 -nc -S sRGB.icm -cmt -dpp \
  -O "$here/TR006-booklet.icc" TR006
rm -rf "$work"
