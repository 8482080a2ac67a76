package dev.corral.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.plugin.proto.base.BasePb;
import dev.corral.plugin.proto.base.BasePluginGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The listener honours go-plugin's PLUGIN_UNIX_SOCKET_DIR / _GROUP, in process on a real socket. */
class PluginSocketIT {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("corral-socket-it-");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static HclogWriter quietLog() {
        return new HclogWriter(new PrintStream(new ByteArrayOutputStream()), "test", Clock.systemUTC());
    }

    @Test
    void socketDir_private_byDefault_andRemovedOnClose() throws Exception {
        PluginServer server = PluginServer.start(Map.of("PLUGIN_UNIX_SOCKET_DIR", dir.toString()), quietLog());
        Path socket = server.socket();
        try {
            assertThat(socket.getParent().getParent()).isEqualTo(dir);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThat(server.handshakeLine()).isEqualTo("1|2|unix|" + socket + "|grpc|");
            assertThat(pluginName(socket)).isEqualTo("corral");
        } finally {
            server.close();
        }
        assertThat(Files.exists(socket.getParent())).isFalse();
    }

    @Test
    void socketGroup_setsGroupAndGroupAccess() throws Exception {
        String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
        PluginServer server = PluginServer.start(Map.of("PLUGIN_UNIX_SOCKET_DIR", dir.toString(),
                "PLUGIN_UNIX_SOCKET_GROUP", group), quietLog());
        try {
            Path socket = server.socket();
            assertThat(Files.readAttributes(socket, PosixFileAttributes.class).group().getName()).isEqualTo(group);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwxr-x---");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
            assertThat(pluginName(socket)).isEqualTo("corral");
        } finally {
            server.close();
        }
    }

    private static String pluginName(Path socket) throws InterruptedException {
        var group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        try {
            return BasePluginGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .pluginInfo(BasePb.PluginInfoRequest.getDefaultInstance()).getName();
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }
}
