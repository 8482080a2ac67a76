package dev.corral.plugin;

import dev.corral.plugin.config.PluginConfigSchema;
import dev.corral.plugin.proto.base.BasePb;
import dev.corral.plugin.proto.base.BasePluginGrpc;
import io.grpc.stub.StreamObserver;

/** {@code hashicorp.nomad.plugins.base.proto.BasePlugin}: identity, config schema, SetConfig. */
final class BasePluginService extends BasePluginGrpc.BasePluginImplBase {
    /** The only driver API version Nomad 1.6 speaks. */
    static final String API_VERSION = "0.1.0";

    private final DriverHolder holder;
    private final HclogWriter log;

    BasePluginService(DriverHolder holder, HclogWriter log) {
        this.holder = holder;
        this.log = log;
    }

    @Override
    public void pluginInfo(BasePb.PluginInfoRequest request, StreamObserver<BasePb.PluginInfoResponse> out) {
        out.onNext(BasePb.PluginInfoResponse.newBuilder()
                .setType(BasePb.PluginType.DRIVER)
                .addPluginApiVersions(API_VERSION)
                .setPluginVersion(PluginServer.VERSION)
                .setName(PluginServer.NAME)
                .build());
        out.onCompleted();
    }

    @Override
    public void configSchema(BasePb.ConfigSchemaRequest request, StreamObserver<BasePb.ConfigSchemaResponse> out) {
        out.onNext(BasePb.ConfigSchemaResponse.newBuilder().setSpec(PluginConfigSchema.SPEC).build());
        out.onCompleted();
    }

    @Override
    public void setConfig(BasePb.SetConfigRequest request, StreamObserver<BasePb.SetConfigResponse> out) {
        try {
            holder.configure(PluginConfigSchema.decode(request.getMsgpackConfig().toByteArray()));
            log.info("plugin configured", "plugin_api_version", request.getPluginApiVersion(),
                    "client_port_range", request.getNomadConfig().getDriver().getClientMinPort() + "-"
                            + request.getNomadConfig().getDriver().getClientMaxPort());
            out.onNext(BasePb.SetConfigResponse.getDefaultInstance());
            out.onCompleted();
        } catch (RuntimeException e) {
            log.error("invalid plugin config", "error", e.getMessage());
            out.onError(GrpcErrors.toStatus(e));
        }
    }
}
