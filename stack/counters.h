/* stack/counters.h — every counter, named once. The X-macro generates the enum and the printed
 * names, so code and `tapstackctl stats` cannot drift. Names follow /proc/net/snmp as nstat prints
 * them (IcmpInMsgs, IpForwDatagrams); Eth*, Arp*, Pkb* are tapstack's own.
 * The per-type ICMP counters (IcmpMsgInType<t>) live in arrays beside these; the classic columns
 * (IcmpInEchos, ...) are printed from those arrays, so they are the same counters. */
#ifndef TAPSTACK_COUNTERS_H
#define TAPSTACK_COUNTERS_H

#define STACK_COUNTERS(X)                                                                          \
	X(EthInFrames)        /* frames handed to the stack */                                     \
	X(EthInTruncated)     /* shorter than an Ethernet header */                                \
	X(EthInOtherHost)     /* unicast to another MAC, or multicast we did not join */           \
	X(EthInUnknownType)   /* EtherType neither IPv4 nor ARP (VLAN tags, IPv6, ...) */          \
	X(EthInIfaceDown)     /* arrived on an interface that is down */                           \
	X(EthOutFrames)       /* frames queued for writing */                                      \
	X(EthOutIfaceDown)    /* not sent: interface down */                                       \
	X(ArpInRequests)                                                                           \
	X(ArpInReplies)                                                                            \
	X(ArpInErrors)        /* malformed: short, wrong hardware/protocol type or lengths */      \
	X(ArpInBadSender)     /* sender MAC broadcast/multicast, or sender IP not a unicast host */\
	X(ArpInConflicts)     /* another host claims one of our addresses */                       \
	X(ArpInOtherTarget)   /* request for an address that is not ours */                        \
	X(ArpOutRequests)                                                                          \
	X(ArpOutReplies)                                                                           \
	X(ArpResolveFailed)   /* no answer after 3 requests */                                     \
	X(ArpQueueDrops)      /* pending queue full: oldest dropped */                             \
	X(ArpCacheEvictions)  /* table full: oldest entry reused */                                \
	X(IpInReceives)                                                                            \
	X(IpInHdrErrors)                                                                           \
	X(IpInCsumErrors)                                                                          \
	X(IpInTruncatedPkts)                                                                       \
	X(IpInAddrErrors)                                                                          \
	X(IpInMartianSrc)     /* source 0/8, 127/8, 224/4, 255.255.255.255, ours, our broadcast */ \
	X(IpInSrcRouteDrops)  /* source-routed, and accept_source_route is 0 */ \
	X(IpInUnknownProtos)                                                                       \
	X(IpInDiscards)                                                                            \
	X(IpInDelivers)                                                                            \
	X(IpInBcastPkts)                                                                           \
	X(IpInMcastPkts)                                                                           \
	X(IpForwDatagrams)                                                                         \
	X(IpForwProhibited)   /* a prohibit route: 3/13 */                                       \
	X(IpForwBlackholed)   /* a blackhole route: silence */                                   \
	X(IpForwSrcRouteFailed) /* strict source route, next hop not on-link: 3/5 */                                                                         \
	X(IpInNoRoutes)                                                                            \
	X(IpOutRequests)                                                                           \
	X(IpOutDiscards)                                                                           \
	X(IpOutNoRoutes)                                                                           \
	X(IpReasmTimeout)                                                                          \
	X(IpReasmReqds)                                                                            \
	X(IpReasmOKs)                                                                              \
	X(IpReasmFails)                                                                            \
	X(IpReasmOverlaps)                                                                         \
	X(IpFragOKs)                                                                               \
	X(IpFragFails)                                                                             \
	X(IpFragCreates)                                                                           \
	X(IcmpInMsgs)                                                                              \
	X(IcmpInErrors)                                                                            \
	X(IcmpInCsumErrors)                                                                        \
	X(IcmpInInvalidSrc)   /* request from a source that is not a unicast host: no reply (R2.7) */ \
	X(IcmpInBogusErrors)  /* error about a datagram to one of our broadcasts (knob) */  \
	X(IcmpInRedirectsIgnored) /* R8.5 conditions not met */                            \
	X(IcmpOutMsgs)                                                                             \
	X(IcmpOutErrors)                                                                           \
	X(IcmpOutRateLimitGlobal)                                                                  \
	X(IcmpOutRateLimitHost)                                                                    \
	X(IcmpOutRateLimitRoute) /* 3/0 or 3/13 held back by the routing error limiter (ip_error) */ \
	X(UdpInDatagrams)                                                                          \
	X(UdpNoPorts)                                                                              \
	X(UdpInErrors)                                                                             \
	X(UdpInCsumErrors)                                                                         \
	X(UdpOutDatagrams)                                                                         \
	X(UdpRcvbufErrors)                                                                         \
	X(UdpMemErrors)       /* all receive queues together hold their share of the pool */        \
	X(UdpEchoLoopDrops)   /* echo service: source port below 1024, another service (a loop) */ \
	X(UdpEchoRateLimited) /* echo service: over UDP_ECHO_PER_SEC answers a second */           \
	X(UdpIgnoredMulti)                                                                         \
	X(TcpInSegs)                                                                               \
	X(TcpInErrs)                                                                               \
	X(TcpInCsumErrors)                                                                         \
	X(TcpInTruncated)     /* header shorter than 20 bytes or its data offset: discarded */ \
	X(TcpInNoReset)       /* to a broadcast or from a non-host source: dropped without a reset */ \
	X(TcpOutRsts)                                                                              \
	X(PkbAllocFails)      /* a reply or error not built: buffer pool empty */                  \
	/* What became of each frame read (tapstack's own): EthInFrames = RxAnswered + RxForwarded +   \
	 * RxDelivered + RxHeld + RxDropped, RxUnaccounted 0 (the drop reasons: `tapstackctl drops`). */ \
	X(RxAnswered)         /* a reply went out (or waits for ARP) in its buffer or for it */       \
	X(RxForwarded)        /* routed on (or waiting for ARP) */                                    \
	X(RxDelivered)        /* taken by a local receiver: a UDP socket or service, ARP, ping, an error */ \
	X(RxHeld)             /* a fragment kept by reassembly (what the datagram becomes counts apart) */ \
	X(RxDropped)          /* dropped, with a named reason */                                      \
	X(RxUnaccounted)      /* none of these: a bug (the fuzz target asserts 0) */                 \
	/* Errors the error builder did not send (OpenBSD's icmpstat; rate limits above). */           \
	X(IcmpErrNotSentBadHeader)  /* R5.1: the offender's header is unreadable */                 \
	X(IcmpErrNotSentL2Bcast)    /* R5.2: it came in a link-layer broadcast or multicast */       \
	X(IcmpErrNotSentBcastDst)   /* R5.3: to a broadcast or multicast address */                  \
	X(IcmpErrNotSentFragment)   /* R5.4: not the first fragment */                               \
	X(IcmpErrNotSentAboutError) /* R5.5: about an ICMP error */                                  \
	X(IcmpErrNotSentInvalidSrc) /* R5.6: its source is not a unicast host, or is ours */         \
	X(IcmpErrNotSentNoRoute)    /* R5.1: no route back to its source */                          \
	X(IcmpErrNotSentOptions)    /* R5.11: no slot for our own record in its options */           \
	X(IcmpErrNotSentNoRoom)     /* R5.13: the path MTU leaves no room for a quote */             \
	/* Drop reasons of their own (counted only here). */                                        \
	X(IcmpInIgnored)      /* R1.6: obsolete, unsolicited or unknown type or code, silently */  \
	X(IcmpInEchoIgnored)  /* R2.1: icmp_echo_ignore_all */                                    \
	X(IcmpInAddrMaskIgnored) /* R4.1: address mask request, icmp_addrmask_reply 0 */           \
	X(IcmpInReplyRateLimited) /* R2.6: a reply held back by the rate limits */                 \
	X(IcmpInUnsolicited)  /* R1.7: an echo or timestamp reply no client of ours asked for */  \
	X(TcpInRstIgnored)    /* a reset: never answered */                                       \
	X(UdpEchoToBcast)     /* echo service: a datagram to a broadcast, never echoed */        \
	X(IpReasmDuplicates)  /* a fragment that adds nothing: already held */                  \
	/* IPv6, as /proc/net/snmp6 names them (../shared/ICMP6-SPEC.md). */                        \
	X(Ip6InReceives)                                                                           \
	X(Ip6InHdrErrors)                                                                          \
	X(Ip6InTooBigErrors)                                                                       \
	X(Ip6InNoRoutes)                                                                           \
	X(Ip6InAddrErrors)                                                                         \
	X(Ip6InUnknownProtos)                                                                      \
	X(Ip6InTruncatedPkts)                                                                      \
	X(Ip6InDiscards)                                                                           \
	X(Ip6InDelivers)                                                                           \
	X(Ip6OutForwDatagrams)                                                                     \
	X(Ip6OutRequests)                                                                          \
	X(Ip6OutDiscards)                                                                          \
	X(Ip6OutNoRoutes)                                                                          \
	X(Ip6ReasmTimeout)                                                                         \
	X(Ip6ReasmReqds)                                                                           \
	X(Ip6ReasmOKs)                                                                             \
	X(Ip6ReasmFails)                                                                           \
	X(Ip6FragOKs)                                                                              \
	X(Ip6FragFails)                                                                            \
	X(Ip6FragCreates)                                                                          \
	X(Ip6InMcastPkts)                                                                          \
	X(Ip6OutMcastPkts)                                                                         \
	X(Icmp6InMsgs)                                                                             \
	X(Icmp6InErrors)                                                                           \
	X(Icmp6OutMsgs)                                                                            \
	X(Icmp6OutErrors)                                                                          \
	X(Icmp6InCsumErrors)                                                                       \
	X(Icmp6OutRateLimitHost)                                                                   \
	X(Udp6InDatagrams)                                                                         \
	X(Udp6NoPorts)                                                                             \
	X(Udp6InErrors)                                                                            \
	X(Udp6OutDatagrams)                                                                        \
	X(Udp6RcvbufErrors)                                                                        \
	X(Udp6SndbufErrors)                                                                        \
	X(Udp6InCsumErrors)                                                                        \
	X(Udp6IgnoredMulti)                                                                        \
	X(Udp6MemErrors)                                                                           \
	/* IPv6 drop reasons and events of tapstack's own. */                                     \
	X(Ip6InDisabled)      /* IPv6 off on the arrival interface (disable_ipv6) */              \
	X(Ip6InMcastNotJoined) /* V1.13: a group we have not joined on that interface */          \
	X(Ip6InBadOptions)    /* V1.9/V1.10: a TLV option dropped silently or with 4/2 */          \
	X(Icmp6InIgnored)     /* V2.5/V2.6: informational type we do not answer */                \
	X(Icmp6InEchoIgnored) /* V3.1, V3.3, V3.4: echo_ignore_* */                               \
	X(Icmp6InUnsolicited) /* an echo reply no client of ours asked for */                     \
	X(Icmp6InReplyRateLimited) /* V3.7: an echo reply held back (129 in the ratemask) */      \
	X(Icmp6InRedirectsIgnored) /* V6.15 conditions not met */                                  \
	X(NdInInvalid)        /* V6.1/V2.8: an ND message that fails validation, silently */      \
	X(NdInNS)                                                                                  \
	X(NdInNA)                                                                                  \
	X(NdInRS)                                                                                  \
	X(NdInRA)                                                                                  \
	X(NdInIgnored)        /* valid, but nothing to do (not our target, unsolicited NA, ...) */ \
	X(NdOutNS)                                                                                 \
	X(NdOutNA)                                                                                 \
	X(NdOutRS)                                                                                 \
	X(NdResolveFailed)    /* no answer after mcast_solicit NS (1/3) */                        \
	X(NdQueueDrops)       /* unresolved queue full */                                          \
	X(NdCacheEvictions)   /* table full: oldest entry reused */                                \
	X(NdDadFailures)      /* V6.9: an address found in use (dadfailed) */                      \
	X(NdRaLimit)          /* an RA's router, prefix or address over the per-interface bound */ \
	X(MldInQueries)                                                                            \
	X(MldInInvalid)       /* V7.4: ignored */                                                  \
	X(MldOutReports)                                                                           \
	X(Icmp6ErrNotSentBadHeader)  /* V4.1 */                                                   \
	X(Icmp6ErrNotSentMcast)      /* V4.2: to multicast or in an L2 broadcast/multicast frame */ \
	X(Icmp6ErrNotSentInvalidSrc) /* V4.3: from :: or multicast */                             \
	X(Icmp6ErrNotSentAboutError) /* V4.4 */                                                   \
	X(Icmp6ErrNotSentAnycast)    /* V4.8 */                                                   \
	X(Icmp6ErrNotSentNoRoute)    /* V4.6 */

enum counter {
#define X(name) C_##name,
	STACK_COUNTERS(X)
#undef X
	C__COUNT
};

extern const char *const counter_names[C__COUNT];

#endif
