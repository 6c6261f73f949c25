#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the small initramfs the test VM boots: busybox plus the virtio and
# 9p modules of one kernel, and an /init that mounts the host's root file
# system read-only over 9p, chroots into it and runs the command that
# tools/vm/run.sh left in the shared results folder.
#
#   tools/vm/mkinitramfs.sh KVER      prints the path of the (cached) image
#
# The image is rebuilt only when this script or the kernel's modules change.
set -eu

kver=${1:?usage: mkinitramfs.sh KVER}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/build/vm
img=$out/initramfs-$kver.cpio.gz
self=$(readlink -f "$0")
moddir=/lib/modules/$kver

[ -d "$moddir" ] || { echo "mkinitramfs: no modules for $kver in $moddir" >&2; exit 1; }
# busybox-static's binary: the initramfs has no libc
bb=/bin/busybox
[ -x "$bb" ] && ! ldd "$bb" >/dev/null 2>&1 ||
	{ echo "mkinitramfs: busybox-static is not installed" >&2; exit 1; }

if [ -s "$img" ] && [ "$img" -nt "$self" ] && [ "$img" -nt "$moddir/modules.dep" ]; then
	echo "$img"
	exit 0
fi

mkdir -p "$out"
stage=$(mktemp -d "$out/initramfs.XXXXXX")
trap 'rm -rf "$stage" "$stage.cpio.gz"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$bb" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"

# The modules 9p over virtio needs, in load order, once each. On 6.12 some are
# built in ("builtin ..."); compressed ones are unpacked here so that the
# kernel does not need to decompress them.
modprobe -a -S "$kver" --show-depends virtio_pci 9pnet_virtio 9p |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$stage/mods.list"
: >"$stage/lib/modules/order"
while read -r ko; do
	name=$(basename "$ko")
	case "$name" in
	*.ko.xz) xz -dc "$ko" >"$stage/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$ko" >"$stage/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$ko" >"$stage/lib/modules/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$ko" "$stage/lib/modules/$name" ;;
	esac
	echo "$name" >>"$stage/lib/modules/order"
done <"$stage/mods.list"
rm "$stage/mods.list"

cat >"$stage/init" <<'INIT'
#!/bin/sh
# krtp test VM init: mount the host root read-only, run the command, power off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

out=
repo=
cache=none
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	krtp.out=*) out=${arg#krtp.out=} ;;
	krtp.repo=*) repo=${arg#krtp.repo=} ;;
	krtp.cache=*) cache=${arg#krtp.cache=} ;;
	esac
done

die() {
	echo "krtp-vm: $*" >/dev/console
	poweroff -f
}

while read -r m; do
	insmod "/lib/modules/$m" || die "insmod $m failed"
done </lib/modules/order

opts=trans=virtio,version=9p2000.L,msize=262144
# the read-only root may be cached (programs and libraries are read over 9p
# on every exec otherwise); the results folder never is
mount -t 9p -o "$opts,ro,cache=$cache" hostroot /newroot || die "cannot mount the host root"
r=/newroot
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts 2>/dev/null
mount -t tmpfs tmpfs $r/dev/shm 2>/dev/null
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $r/sys/kernel/tracing 2>/dev/null
for d in /tmp /var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs $r$d
done
mount -t tmpfs -o mode=755 tmpfs $r/run
# netns and cgroup state want these
mkdir -p $r/run/netns
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup 2>/dev/null
# The repository is shared on its own, at its host path: a checkout under
# /tmp (or /run) would otherwise be hidden by the tmpfs mounted above.
if [ -n "$repo" ]; then
	mkdir -p "$r$repo" 2>/dev/null
	mount -t 9p -o "$opts,ro,cache=$cache" krtprepo "$r$repo" || die "cannot mount the repository"
fi
mkdir -p "$r$out" 2>/dev/null
[ -n "$out" ] && mount -t 9p -o "$opts,cache=none" krtpout "$r$out" || die "cannot mount the results folder"

# Switch to the host root for real (not chroot: user namespaces refuse a
# chrooted caller, and the kernel's modprobe helper must see the host's
# /sbin/modprobe). The second stage lives in the results folder, which
# run.sh owns; it runs the command as PID 1 and powers off.
cat >"$r$out/pid1.sh" <<EOS
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ip link set lo up 2>/dev/null
echo "krtp-vm: running" >/dev/console
: >"$out/started"
/bin/sh "$out/cmd.sh" </dev/console >/dev/console 2>&1
echo \$? >"$out/rc"
sync
/bin/busybox poweroff -f
EOS
exec switch_root /newroot /bin/sh "$out/pid1.sh"
die "switch_root failed"
INIT
chmod 755 "$stage/init"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$stage.cpio.gz"
# atomic: a VM booting meanwhile reads the old or the new image
mv "$stage.cpio.gz" "$img"
echo "$img"
