#!/usr/bin/env bash
# Print a test film to a running printserver with DCMTK's print client, the
# way a modality would: 12 gray steps on STANDARD\3,4, 14INX17IN, portrait.
#   usage: scripts/print-test-film.sh [HOST] [PORT] [CALLED_AE]
source "$(dirname "$0")/_setup.sh"
HOST="${1:-127.0.0.1}"
PORT="${2:-11112}"
CALLED_AE="${3:-PRINTSCP}"
apt_install dcmtk
make_venv
"$VENV/bin/python" -m pip install -q -e "$ROOT"

WORK="$(mktemp -d)"
mkdir -p "$WORK"/{log,spool,database,lut}
cat > "$WORK/print.cfg" <<CFG
[[GENERAL]]
[APPLICATION]
LogDirectory = $WORK/log
[PRINT]
Spooler = dcmprscu
Directory = $WORK/spool
DeletePrintJobs = false
[DATABASE]
Directory = $WORK/database
[LUT]
Directory = $WORK/lut
[NETWORK]
aetitle = MODALITY

[[COMMUNICATION]]
[TARGET]
Type = PRINTER
Aetitle = $CALLED_AE
Hostname = $HOST
Port = $PORT
MaxPDU = 32768
Timeout = 30
ImplicitOnly = false
DisplayFormat = 1,1\1,2\2,1\2,2\2,3\3,2\3,3\3,4\4,3\3,5\4,4\4,5\5,4
Supports12Bit = true
SupportsPresentationLUT = true
PresentationLUTMatchRequired = true
PresentationLUTPreferSCPRendering = true
PresentationLUTinFilmSession = false
SupportsImageSize = true
SupportsDecimateCrop = true
SupportsTrim = true
Annotation = 1\ANNOTATION
CFG

# Twelve flat 12-bit images, darkest first.
"$VENV/bin/python" - "$WORK" <<'PY'
import sys
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

study, series = generate_uid(), generate_uid()
for index in range(12):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.Modality = "Test^Film", "TEST", "OT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 256
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ramp = np.linspace(0, 300, 256, dtype=np.float32)[None, :]
    pixels = np.clip(100 + index * 330 + ramp - 150, 0, 4095).astype(np.uint16)
    ds.PixelData = np.repeat(pixels, 256, axis=0).tobytes()
    ds.save_as(f"{sys.argv[1]}/img{index:02d}.dcm", enforce_file_format=True)
PY

cd "$WORK"
dcmpsprt -c print.cfg -p TARGET -l 3 4 --filmsize 14INX17IN --portrait \
    --annotation "printserver test film" -pd -pn -pl img*.dcm
dcmprscu -v -c print.cfg -p TARGET database/SP_*.dcm 2>&1 | tee dcmprscu.log
if grep -q '^E:' dcmprscu.log; then
    echo "dcmprscu reported an error (log in $WORK/dcmprscu.log)" >&2
    exit 1
fi
echo "sent; see it with: .venv/bin/printserver queue list"
echo "DCMTK's configuration, images and log are in $WORK (print.cfg)"
