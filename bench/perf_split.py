#!/usr/bin/env python3
"""bench/perf_split.py: a responder's profile split by who does the work, in ns per reply.

    perf report -i DIR/perf.data --no-children --stdio -g none --percent-limit 0 --sort sym \\
        > DIR/perf-all.txt
    python3 bench/perf_split.py US_PER_REPLY:DIR/perf-all.txt [US_PER_REPLY:FILE ...]

US_PER_REPLY is the responder's CPU per reply in the same kind of run (tapbench's figure from
bench/profile.sh); each category's share of the samples times that is its cost per reply.
The categories are coarse on purpose: the TAP read and write and the kernel side's receive
path are the same work for every responder, what differs is how a frame gets in and out.
"""
import re
import sys

CATS = [
    ("syscall entry/exit, VFS checks, libc stubs", re.compile(
        r"^(do_syscall_64|entry_SYSCALL.*|syscall_.*|__x64_sys_.*|ksys_(read|write)|vfs_(read|write)|"
        r"fdget.*|fdput.*|__fget.*|fput.*|rw_verify_area|security_file_permission|"
        r"__GI___libc_(read|write)|read|write|__libc_(read|write)|exit_to_user_mode.*|"
        r"syscall_exit_to_user_mode.*|clear_bhb_loop|__entry_text_.*)$")),
    ("epoll", re.compile(r"^(.*epoll.*|ep_.*|__GI_epoll_wait)$")),
    ("io_uring", re.compile(r"^(io_.*|__io_.*|kiocb_done|xa_load|tctx_task_work.*|"
                            r"__io_uring_.*|io_uring_.*|__GI___io_uring_.*)$")),
    ("TAP read (tun_do_read, copy out, skb freed)", re.compile(
        r"^(tun_do_read|tun_chr_read_iter|tun_ring_recv|_copy_to_iter|__skb_datagram_iter|"
        r"skb_copy_datagram_iter|simple_copy_to_iter|skb_release_data|skb_release_head_state|"
        r"consume_skb|kfree_skbmem|skb_free_head|__slab_free|kmem_cache_free|kfree|"
        r"tun_sock_write_space|sock_wfree|tun_chr_poll|ptr_ring_.*|__ptr_ring_.*|"
        r"sock_def_write_space|page_frag_free|free_unref_page.*|__free_pages.*)$")),
    ("TAP write (tun_get_user, skb built)", re.compile(
        r"^(tun_get_user|tun_chr_write_iter|tun_build_skb|_copy_from_iter|copy_page_from_iter|"
        r"skb_page_frag_refill|build_skb|__build_skb|__build_skb_around|kmem_cache_alloc.*|"
        r"___slab_alloc|__slab_alloc.*|eth_type_trans|eth_header_parse|__skb_flow_dissect|"
        r"skb_set_owner_w|tun_rx_batched|skb_probe_transport_header|__skb_get_hash.*|"
        r"tun_flow_update|__local_bh_enable_ip)$")),
    ("user space (the responder's own code)", re.compile(r"^(main|reflect|forward|on_cqe|reap.*|"
                                                          r"run_sysread|slot_done|write_submit.*|"
                                                          r"read_submit|mshot_arm|get_sqe)$")),
]
OTHER = "kernel side's receive path and the rest (netif_receive_skb, packet_rcv, ip_rcv, icmp, ...)"


def split(path):
    out = {name: 0.0 for name, _ in CATS}
    out[OTHER] = 0.0
    for line in open(path):
        m = re.match(r"\s*([\d.]+)%\s+\[[.k]\]\s+(\S+)", line)
        if not m:
            continue
        pct, sym = float(m.group(1)), m.group(2)
        for name, rx in CATS:
            if rx.match(sym):
                out[name] += pct
                break
        else:
            out[OTHER] += pct
    return out


def main():
    cols = []
    for arg in sys.argv[1:]:
        us, path = arg.split(":", 1)
        cols.append((float(us), path, split(path)))
    if not cols:
        print(__doc__)
        return 2
    names = [n for n, _ in CATS] + [OTHER]
    w = max(len(n) for n in names)
    print(f"{'ns per reply':<{w}}" + "".join(f"  {'col ' + str(i + 1):>8}" for i in range(len(cols))))
    for n in names:
        print(f"{n:<{w}}" + "".join(f"  {c[2][n] * c[0] * 10:8.0f}" for c in cols))
    print(f"{'total (CPU per reply)':<{w}}" + "".join(f"  {c[0] * 1000:8.0f}" for c in cols))
    for i, c in enumerate(cols):
        print(f"col {i + 1}: {c[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
