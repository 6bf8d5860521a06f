package dev.livery.samples.client;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A client service calling {@code http://backend/work} through a {@code @LoadBalanced} {@link WebClient}. With
 * livery's starter on the class path that client picks instances by power of two choices on requests in flight and
 * ejects failing ones; nothing here refers to livery.
 *
 * @since 0.1.0
 */
@SpringBootApplication
public class SampleClientApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleClientApplication.class, args);
	}

	/**
	 * A builder whose clients resolve {@code http://<serviceId>/...} through Spring Cloud LoadBalancer, and so
	 * through livery. Build from it; never from {@code WebClient.create()}.
	 * @return the builder
	 */
	@Bean
	@LoadBalanced
	WebClient.Builder loadBalancedWebClientBuilder() {
		return WebClient.builder();
	}

}
