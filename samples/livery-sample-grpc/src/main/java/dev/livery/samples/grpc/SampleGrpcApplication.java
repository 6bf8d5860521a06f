package dev.livery.samples.grpc;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A gRPC server (Spring gRPC) with an HTTP port for Actuator: {@code grpc.health.v1.Health} answers from livery's
 * serving-status store, so {@code POST /actuator/servingstatus} changes what gRPC health checks and watches see, and
 * a shutdown says {@code NOT_SERVING} on both before either server stops.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class SampleGrpcApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleGrpcApplication.class, args);
	}

}
