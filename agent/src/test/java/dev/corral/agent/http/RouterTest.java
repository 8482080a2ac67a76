package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouterTest {
    private final Router router = new Router()
            .add("GET", "/v1/job/:id", c -> {})
            .add("DELETE", "/v1/job/:id", c -> {})
            .add("GET", "/v1/job/:id/summary", c -> {})
            .add("GET", "/v1/client/fs/*rest", c -> {});

    @Test
    void match_bindsParametersAndSeparates404From405() {
        assertThat(router.match("GET", "/v1/job/web")).isInstanceOfSatisfying(Router.Found.class,
                f -> assertThat(f.params()).containsEntry("id", "web"));
        assertThat(router.match("GET", "/v1/job/web/summary")).isInstanceOf(Router.Found.class);
        assertThat(router.match("PUT", "/v1/job/web")).isInstanceOfSatisfying(Router.WrongMethod.class,
                w -> assertThat(w.allowed()).containsExactlyInAnyOrder("GET", "DELETE"));
        assertThat(router.match("GET", "/v1/job/")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/v1/job/web/nope")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/v1/client/fs/a/b")).isInstanceOfSatisfying(Router.Found.class,
                f -> assertThat(f.params()).containsEntry("rest", "a/b"));
    }
}
