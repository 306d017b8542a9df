package dev.keyhaven.server;

import dev.keyhaven.core.Keyhaven;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty HTTP server: event loops parse and write (and, for reads, append the audit entries to a plain log file
 * just before they send the answer: see {@code AuditBroker#logResponseAsync}); every request runs on a bounded
 * worker pool. One request per connection at a time (reads pause while a request is in flight), which keeps
 * pipelined responses in order and gives natural back-pressure. Bodies above the listener's limit get 413 before
 * they are buffered.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private final HttpEdge edge;
    private final List<ServerConfig.ListenerConfig> listeners;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup io = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final ThreadPoolExecutor workers;
    private final ChannelGroup serverChannels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private volatile boolean stopping;

    public HttpServer(Keyhaven core, List<ServerConfig.ListenerConfig> listeners, int workerThreads, int queueSize) {
        this.edge = new HttpEdge(core);
        this.listeners = List.copyOf(listeners);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueSize), r -> {
            Thread t = new Thread(r, "keyhaven-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds every listener. Problems become a one-line {@link StartupException}. */
    public void start() {
        for (ServerConfig.ListenerConfig lc : listeners) {
            SslContext ssl = lc.tlsDisable() ? null : sslContext(lc);
            ServerBootstrap b = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ChannelPipeline p = ch.pipeline();
                            if (ssl != null) p.addLast("tls", ssl.newHandler(ch.alloc()));
                            p.addLast("idle", new IdleStateHandler(0, 0, lc.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                            p.addLast("readTimeout", new RequestTimeout(lc.readTimeout()));
                            p.addLast("codec", new HttpServerCodec(8192, 16384, 8192));
                            p.addLast("aggregate", new LimitedAggregator(lc.maxRequestSize()));
                            p.addLast("api", new ApiHandler(lc.forwardedFor()));
                        }
                    });
            try {
                Channel ch = b.bind(new InetSocketAddress(lc.host(), lc.port())).syncUninterruptibly().channel();
                serverChannels.add(ch);
                bound.add((InetSocketAddress) ch.localAddress());
            } catch (Exception e) {
                close();
                if (e instanceof BindException || e.getCause() instanceof BindException) {
                    String why = String.valueOf(e.getMessage()).toLowerCase();
                    if (why.contains("in use")) throw new StartupException("listener address " + lc.address() + " is already in use (is another server running?)");
                    if (why.contains("permission")) throw new StartupException("listener address " + lc.address() + ": permission denied (ports below 1024 need privileges)");
                    throw new StartupException("listener address " + lc.address() + " cannot be bound: " + e.getMessage());
                }
                throw new StartupException("listener address " + lc.address() + " cannot be bound: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            }
        }
    }

    private static SslContext sslContext(ServerConfig.ListenerConfig lc) {
        var cert = lc.tlsCertFile().orElseThrow();
        var key = lc.tlsKeyFile().orElseThrow();
        if (!Files.isReadable(cert)) throw new StartupException("listener \"tcp\": tls_cert_file " + cert + " does not exist or is not readable");
        if (!Files.isReadable(key)) throw new StartupException("listener \"tcp\": tls_key_file " + key + " does not exist or is not readable");
        try {
            return SslContextBuilder.forServer(cert.toFile(), key.toFile())
                    .protocols(lc.tlsMinVersion().equals("tls13") ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"})
                    .build();
        } catch (Exception | Error e) {
            throw new StartupException("listener \"tcp\": cannot load the TLS certificate or key (" + cert + ", " + key
                    + "): the key must be an unencrypted PKCS#8 PEM file and the certificate a PEM chain");
        }
    }

    /** The addresses actually bound (useful with port 0). */
    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish (up to {@code grace}), then close connections
     * and threads.
     */
    public void stop(Duration grace) {
        if (stopping) return;
        stopping = true;
        serverChannels.close().awaitUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) log.warn("{} request(s) still running after {}s; closing anyway", inFlight.get(), grace.toSeconds());
        connections.close().awaitUninterruptibly();
        workers.shutdown();
        try {
            workers.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    // ------------------------------------------------------------------ handlers

    /** Aggregates a request, answering an oversized one with Vault's JSON 413 instead of an empty body. */
    private static final class LimitedAggregator extends HttpObjectAggregator {
        private final long limit;

        LimitedAggregator(long limit) {
            super((int) Math.min(Integer.MAX_VALUE, limit), true);
            this.limit = limit;
        }

        /** {@code Expect: 100-continue} with a declared length above the limit: answer with the JSON 413 too. */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object r = super.newContinueResponse(start, maxContentLength, pipeline);
            if (r instanceof FullHttpResponse fr && fr.status().code() == 413) {
                fr.release();
                return response(HttpEdge.error(413, List.of("request body too large: the limit is " + limit + " bytes"), false), false);
            }
            return r;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse r = response(HttpEdge.error(413, List.of("request body too large: the limit is " + limit + " bytes"), false), false);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Closes a connection whose request has not fully arrived within the read timeout (slow clients). */
    private static final class RequestTimeout extends ChannelDuplexHandler {
        private final long millis;
        private ScheduledFuture<?> timer;

        RequestTimeout(Duration timeout) {
            this.millis = timeout.toMillis();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (timer == null) {
                timer = ctx.executor().schedule(() -> {
                    log.debug("closing {}: request not received within {} ms", ctx.channel().remoteAddress(), millis);
                    ctx.close();
                }, millis, TimeUnit.MILLISECONDS);
            }
            super.channelRead(ctx, msg);
        }

        void requestComplete() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            requestComplete();
            super.channelInactive(ctx);
        }
    }

    private static final String X_FORWARDED_FOR = "X-Forwarded-For";

    private final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ForwardedFor forwardedFor;
        private boolean busy;

        ApiHandler(ForwardedFor forwardedFor) {
            super(false);
            this.forwardedFor = forwardedFor;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            RequestTimeout rt = (RequestTimeout) ctx.pipeline().get("readTimeout");
            if (rt != null) rt.requestComplete();
            if (req.decoderResult().isFailure()) {
                req.release();
                String why = req.decoderResult().cause() == null ? "" : req.decoderResult().cause().getClass().getSimpleName();
                String msg = why.contains("TooLong") ? "request line or headers too large" : "malformed HTTP request";
                int status = why.contains("TooLong") ? 431 : 400;
                ctx.writeAndFlush(response(HttpEdge.error(status, List.of(msg), false), false)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req) && !stopping;
            String peer = ctx.channel().remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : "";
            ForwardedFor.Outcome from = forwardedFor.resolve(peer, forwardedFor.enabled() ? req.headers().getAll(X_FORWARDED_FOR) : List.of());
            busy = true;
            ctx.channel().config().setAutoRead(false);
            inFlight.incrementAndGet();
            if (from instanceof ForwardedFor.Refused refused) {
                boolean head = req.method().equals(HttpMethod.HEAD);
                req.release();
                finish(ctx, HttpEdge.error(400, List.of(refused.message()), head), keepAlive);
                return;
            }
            String remote = ((ForwardedFor.Client) from).address();
            try {
                workers.execute(() -> {
                    try {
                        // a read's answer may come later, once its entries are in the log: the connection's event
                        // loop writes them (batched with whatever else is queued) and then sends the answer
                        edge.serve(req, remote, ctx.channel().eventLoop(), out -> finish(ctx, out, keepAlive));
                    } finally {
                        req.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                req.release();
                finish(ctx, HttpEdge.error(503, List.of("server is busy; retry later"), false), false);
            }
        }

        private void finish(ChannelHandlerContext ctx, HttpEdge.Rendered out, boolean keepAlive) {
            boolean ka = keepAlive && !stopping;
            ctx.writeAndFlush(response(out, ka)).addListener((ChannelFutureListener) f -> {
                inFlight.decrementAndGet();
                busy = false;
                if (!ka || !f.isSuccess()) {
                    f.channel().close();
                } else {
                    f.channel().config().setAutoRead(true);
                    f.channel().read();
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent e && e.state() == IdleState.ALL_IDLE && !busy) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("connection {} closed after an I/O error: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    static FullHttpResponse response(HttpEdge.Rendered out, boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(out.status()), Unpooled.wrappedBuffer(out.body()));
        if (out.contentType() != null) r.headers().set(HttpHeaderNames.CONTENT_TYPE, out.contentType());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, out.body().length);
        if (!keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    @Override
    public String toString() {
        return "HttpServer" + bound;
    }

}
