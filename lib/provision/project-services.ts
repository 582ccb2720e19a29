import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { ChildNames } from "./child-names";

/** The APIs a project enables, by service name, so that resources can wait for the API that serves them. */
export class ProjectServices {
  private readonly services: ReadonlyMap<string, gcp.projects.Service>;

  /**
   * Declares one `gcp.projects.Service` per API, named `<owner>/api/<service>`, never disabled on destroy (other
   * tools and people rely on them; the old script never disabled them either).
   *
   * @param parent the owning component
   * @param names the component's name allocator
   * @param project the project id
   * @param apis service names, e.g. `artifactregistry.googleapis.com`
   */
  constructor(parent: pulumi.Resource, names: ChildNames, project: pulumi.Input<string>, apis: readonly string[]) {
    this.services = new Map(
      apis.map((api) => [
        api,
        new gcp.projects.Service(
          names.name(`api/${api}`),
          { project, service: api, disableOnDestroy: false, disableDependentServices: false },
          { parent },
        ),
      ]),
    );
  }

  /**
   * The resource options of a resource that needs an API: it waits for the API when the project enables it (a
   * stack may leave an API out, so the lookup is optional).
   *
   * @param parent the resource's parent
   * @param api e.g. `artifactregistry.googleapis.com`
   * @returns `{ parent, dependsOn }`
   */
  after(parent: pulumi.Resource, api: string): pulumi.CustomResourceOptions {
    const service = this.services.get(api);
    return { parent, dependsOn: service ? [service] : [] };
  }
}
