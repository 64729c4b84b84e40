# Debian's stock Linux kernel as a PV dom0 (docs/linux.md).
#
#   make linux         fetch the kernel and busybox into ~/.cache/pvmm-linux (tools/linux-fetch),
#                      build the initramfs into $(BUILD)/linux, boot it with the full workload
#                      on pvmm-hv and on the real Xen 4.17 (tools/linux-run)
#   make check-linux   the `make check` step: the short workload on pvmm-hv with one vCPU,
#                      then with two on two CPUs (--smp 2); each must end with SUCCESS and a
#                      clean audit; SKIP (with why) when the kernel cannot be fetched.
#                      LINUX_HV_MILESTONE=REGEX stops the boots and passes as soon as a
#                      console line matches (for bisecting a boot that stops early).
#                      The Xen half runs in `make check-xen` (mk/guests.mk).
#   make bench-linux   linux_boot_insns, linux_page_insns, linux_wall_s, pvmm-hv vs Xen
#
# Nothing of the kernel or the initramfs is committed; both are rebuilt or refetched on demand.
.PHONY: linux check-linux
LINUX_HV_MILESTONE ?=
LINUX_CHECK_TIMEOUT ?= 180

linux: $(BUILD)/pvmm-hv.elf
	$(Q)BUILD=$(BUILD) tools/linux-run

CHECK_STEPS += linux
LINUX_CHECK_ARGS = --on hv --short --quiet --timeout $(LINUX_CHECK_TIMEOUT) \
    $(if $(LINUX_HV_MILESTONE),--hv-until '$(LINUX_HV_MILESTONE)')
check-linux: $(BUILD)/pvmm-hv.elf
	$(Q)BUILD=$(BUILD) RESULTS=$(BUILD)/results tools/check-step --time "30-60 s" linux \
	    sh -c 's=0; tools/linux-run "$$@" || s=1; tools/linux-run --smp 2 "$$@" || s=1; exit $$s' \
	    sh $(LINUX_CHECK_ARGS)

# make bench-linux: the kernel on pvmm-hv and on Xen side by side, instructions under icount
# and wall time (tools/bench-linux, docs/perf.md).  Several minutes: not one of make bench's
# steps.
.PHONY: bench-linux
bench-linux: $(BUILD)/pvmm-hv.elf
	$(Q)BUILD=$(BUILD) tools/bench-linux
